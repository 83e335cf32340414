# fit_lme4.R -- fit every job of a jobs.json with lme4, write one JSON of results.
#
# Usage: Rscript fit_lme4.R jobs.json lme4.json
#
# Each job: id, file (CSV), formula, family, link, reml, nagq, nb, weights (a
# column name or null).  "NA" in the CSV is a missing value (lme4's default
# na.action, na.omit, drops those rows).
# Character columns become factors with levels in C-locale (code point) order,
# which is what mixedmodels does with string columns.  For each job the output
# holds fixef, se (sqrt(diag(vcov))), varcorr (as.data.frame(VarCorr) rows),
# theta, loglik, nobs, singular, nb_theta, the warnings and messages emitted during
# the fit, the final fit's optinfo convergence messages, the time taken, or an
# error text.  GLMM jobs are fitted a second time with glmerControl(tolPwrss =
# 1e-12) (field "tight"): lme4's default PIRLS tolerance (1e-7) leaves the
# conditional modes, and with them the Laplace log-likelihood, slightly off.

suppressPackageStartupMessages({ library(lme4); library(jsonlite) })

read_job_data <- function(file) {
  d <- read.csv(file, stringsAsFactors = FALSE, check.names = FALSE)
  for (col in names(d)) if (is.character(d[[col]]))
    d[[col]] <- factor(d[[col]], levels = sort(unique(d[[col]]), method = "radix"))
  d
}

fit_job <- function(job, d, tight = FALSE) {
  f <- as.formula(job$formula)
  # prior weights: the column's name, evaluated in the data as in glmer(..., weights = n)
  wt <- if (is.null(job$weights)) NULL else as.name(job$weights)
  if (job$family == "gaussian")
    return(eval(bquote(lmer(f, data = d, REML = .(isTRUE(job$reml)), weights = .(wt)))))
  ctrl <- if (tight) glmerControl(tolPwrss = 1e-12) else glmerControl()
  if (isTRUE(job$nb))
    return(eval(bquote(glmer.nb(f, data = d, nAGQ = .(job$nagq), control = ctrl, weights = .(wt)))))
  fam <- get(job$family)(link = job$link)
  eval(bquote(glmer(f, data = d, family = fam, nAGQ = .(job$nagq), control = ctrl, weights = .(wt))))
}

extract <- function(fit) {
  vc <- as.data.frame(VarCorr(fit))
  opt <- fit@optinfo
  list(
    fixef = as.list(fixef(fit)),
    se = as.list(setNames(sqrt(diag(as.matrix(vcov(fit)))), names(fixef(fit)))),
    varcorr = lapply(seq_len(nrow(vc)), function(i)
      list(grp = vc$grp[i], var1 = vc$var1[i], var2 = vc$var2[i], vcov = vc$vcov[i])),
    theta = as.list(getME(fit, "theta")),
    loglik = as.numeric(logLik(fit)),
    nobs = nobs(fit),
    singular = isSingular(fit),
    nb_theta = if (inherits(fit, "glmerMod") && grepl("Negative Binomial", family(fit)$family))
      getME(fit, "glmer.nb.theta") else NULL,
    optinfo_messages = I(as.character(unlist(opt$conv$lme4$messages))),
    optimizer_warnings = I(as.character(unlist(opt$warnings)))
  )
}

run_job <- function(job, tight = FALSE) {
  said <- character()
  t0 <- proc.time()[["elapsed"]]
  out <- tryCatch(
    withCallingHandlers(
      extract(fit_job(job, read_job_data(job$file), tight)),
      warning = function(w) { said <<- c(said, conditionMessage(w)); invokeRestart("muffleWarning") },
      message = function(m) { said <<- c(said, trimws(conditionMessage(m))); invokeRestart("muffleMessage") }
    ),
    error = function(e) list(error = conditionMessage(e))
  )
  out$emitted <- I(said)
  out$seconds <- proc.time()[["elapsed"]] - t0
  out
}

args <- commandArgs(trailingOnly = TRUE)
jobs <- fromJSON(args[1], simplifyVector = FALSE)
results <- list()
for (job in jobs) {
  results[[job$id]] <- run_job(job)
  if (job$family != "gaussian") results[[job$id]]$tight <- run_job(job, tight = TRUE)
}
write(toJSON(results, auto_unbox = TRUE, digits = NA, null = "null", na = "null"), args[2])
