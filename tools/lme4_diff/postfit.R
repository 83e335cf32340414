# postfit.R -- post-fit quantities of lme4 fits for postfit.py.
#
# Usage: Rscript postfit.R jobs.json postfit_lme4.json
#
# Reuses fit_lme4.R's read_job_data() and fit_job() (sourced with its driver
# lines skipped).  GLMM jobs are fitted with glmerControl(tolPwrss = 1e-12) only
# (lme4's default PIRLS tolerance leaves the modes, and with them every post-fit
# quantity, off by up to ~1e-3; the main checker covers that).  For each job:
# loglik, ranef (per group: levels, effect names, values column-major),
# condvar (per group: a list of terms, each a flat k*k*nlevels array as lme4
# stores postVar), fitted, predict(re.form = NA, type = "response"), residuals
# (pearson for GLMMs, response for LMMs), predict(newdata, allow.new.levels =
# TRUE) on the link scale, sigma, deviance, AIC, BIC, df.residual.

suppressPackageStartupMessages({ library(lme4); library(jsonlite) })
src <- readLines(file.path(dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))), "fit_lme4.R"))
eval(parse(text = src[seq_len(grep("^args <- commandArgs", src) - 1)]))

post <- function(fit, job) {
  glmm <- job$family != "gaussian"
  re <- ranef(fit, condVar = TRUE)
  modes <- lapply(names(re), function(g) {
    r <- re[[g]]
    pv <- attr(r, "postVar")
    if (!is.list(pv)) pv <- list(pv)
    list(levels = I(rownames(r)), effects = I(colnames(r)), values = I(as.numeric(as.matrix(r))),
         condvar = lapply(unname(pv), function(a) list(dim = I(dim(a)), values = I(as.numeric(a)))))
  })
  names(modes) <- names(re)
  nd <- read_job_data(job$newdata)
  for (col in names(nd)) if (is.factor(nd[[col]])) nd[[col]] <- as.character(nd[[col]])
  list(
    loglik = as.numeric(logLik(fit)),
    ranef = modes,
    fitted = I(unname(fitted(fit))),
    pop = I(unname(predict(fit, re.form = NA, type = "response"))),
    resid = I(unname(residuals(fit, type = if (glmm) "pearson" else "response"))),
    newpred = I(unname(predict(fit, newdata = nd, allow.new.levels = TRUE))),
    sigma = sigma(fit), deviance = deviance(fit), aic = AIC(fit), bic = BIC(fit),
    deviance_ml = if (glmm) NULL else deviance(fit, REML = FALSE),
    df_residual = df.residual(fit)
  )
}

# lme4's merMod at given parameters (mixedmodels' optimum): theta (LMM, nAGQ = 0), c(theta, beta) otherwise
at_params <- function(job, d, theta, beta) {
  f <- as.formula(job$formula)
  wt <- if (is.null(job$weights)) NULL else as.name(job$weights)
  if (job$family == "gaussian") {
    lmod <- eval(bquote(lFormula(f, data = d, REML = .(isTRUE(job$reml)), weights = .(wt))))
    devf <- do.call(mkLmerDevfun, lmod)
    opt <- list(par = theta, fval = devf(theta), conv = 0, message = "")
    return(mkMerMod(environment(devf), opt, lmod$reTrms, fr = lmod$fr))
  }
  fam <- if (isTRUE(job$nb)) MASS::negative.binomial(theta = job$at_nb_theta) else get(job$family)(link = job$link)
  glmod <- eval(bquote(glFormula(f, data = d, family = fam, weights = .(wt))))
  devf <- do.call(mkGlmerDevfun, c(glmod, list(nAGQ = 0L, control = glmerControl(tolPwrss = 1e-12))))
  par <- theta
  if (job$nagq > 0) {
    devf <- updateGlmerDevfun(devf, glmod$reTrms, nAGQ = job$nagq)
    par <- c(theta, beta)
  }
  opt <- list(par = par, fval = devf(par), conv = 0, message = "")
  mkMerMod(environment(devf), opt, glmod$reTrms, fr = glmod$fr)
}

args <- commandArgs(trailingOnly = TRUE)
jobs <- fromJSON(args[1], simplifyVector = FALSE)
results <- list()
for (job in jobs) {
  results[[job$id]] <- tryCatch(
    suppressWarnings(suppressMessages({
      d <- read_job_data(job$file)
      out <- post(fit_job(job, d, tight = job$family != "gaussian"), job)
      if (!is.null(job$at_theta)) out$at_ours <- tryCatch(
        post(at_params(job, d, unlist(job$at_theta), unlist(job$at_beta)), job),
        error = function(e) list(error = conditionMessage(e)))
      out
    })),
    error = function(e) list(error = conditionMessage(e)))
}
write(toJSON(results, auto_unbox = TRUE, digits = NA, null = "null", na = "null"), args[2])
