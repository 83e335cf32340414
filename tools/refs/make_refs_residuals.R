# make_refs_residuals.R -- nlme::lme fits with residual structures: an AR(1)
# correlation within groups (correlation = corAR1(...), and corCAR1(...) for
# continuous times), variance functions (varIdent with them, varPower,
# varExp), for mixedmodels' CorAR1, CorCAR1, VarIdent, VarPower, VarExp: the
# log-likelihood, fixed effects and their standard errors, sigma, Phi, the
# random-effects standard deviations, the first conditional modes and fitted
# values, by REML and ML; times with gaps (nlme then fits corARMA(p = 1) on the
# times: correlation Phi^|t - s|), times out of order within a group, and
# corAR1(form = ~ 1 | g), whose positions are the rows' order.
#
# Usage (from anywhere):
#   Rscript tools/refs/make_refs_residuals.R
# Writes tests/fixtures/reference_extra/residuals.json.

.f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(normalizePath(.f)), "common.R"))
suppressPackageStartupMessages(library(nlme))

sleep <- load_dataset("sleepstudy")$data
# drop Days 3 and 7 of every other subject: gaps in the times
odd <- as.integer(sleep$Subject) %% 2 == 1
sleep_gaps <- sleep[!(odd & sleep$Days %in% c(3, 7)), ]
# the same rows, each subject's in decreasing Days
sleep_rev <- sleep[order(sleep$Subject, -sleep$Days), ]
ortho <- load_dataset("Orthodont")$data
gpa <- load_dataset("gpa")$data
sleep$late <- factor(ifelse(sleep$Days >= 5, "late", "early"))
sleep$Days1 <- sleep$Days + 1
# negative correlation: 40 groups of 8 times, phi = -0.5, a random intercept
# (written to tests/fixtures/reference_extra/data/sim_ar1_negative.csv)
set.seed(20261124)
sim_neg <- do.call(rbind, lapply(1:40, function(g) {
  data.frame(g = sprintf("g%02d", g), t = 1:8, x = round(rnorm(8), 3))
}))
sim_neg$y <- round(1 + 0.5 * sim_neg$x + rep(rnorm(40, sd = 0.7), each = 8) +
  unlist(lapply(1:40, function(i) arima.sim(list(ar = -0.5), n = 8, sd = sqrt(0.75)))), 4)
write.csv(sim_neg, file.path(REPO, "tests", "fixtures", "reference_extra", "data", "sim_ar1_negative.csv"),
          row.names = FALSE)
sim_neg$g <- factor(sim_neg$g)
# continuous times (corCAR1): 50 groups of 6 at irregular times, phi 0.6 per unit of time
# (written to tests/fixtures/reference_extra/data/sim_car1.csv)
set.seed(20261125)
sim_car1 <- do.call(rbind, lapply(1:50, function(g) {
  t <- round(cumsum(runif(6, 0.2, 2)), 2)
  R <- 0.6^abs(outer(t, t, "-"))
  e <- as.numeric(t(chol(R)) %*% rnorm(6))
  data.frame(g = sprintf("g%02d", g), t = t, x = round(rnorm(6), 3), e = e, b = rnorm(1, sd = 0.8))
}))
sim_car1$y <- round(2 + 0.4 * sim_car1$x + sim_car1$b + sim_car1$e, 4)
sim_car1 <- sim_car1[, c("g", "t", "x", "y")]
write.csv(sim_car1, file.path(REPO, "tests", "fixtures", "reference_extra", "data", "sim_car1.csv"),
          row.names = FALSE)
sim_car1$g <- factor(sim_car1$g)

MODELS <- list(
  list(name = "sleep_int_reml", data = "sleep", method = "REML", random = "~ 1 | Subject",
       correlation = "corAR1(form = ~ Days | Subject)"),
  list(name = "sleep_int_ml", data = "sleep", method = "ML", random = "~ 1 | Subject",
       correlation = "corAR1(form = ~ Days | Subject)"),
  # nlminb stops this one (error code 1); optim (BFGS) converges
  list(name = "sleep_slope_reml", data = "sleep", method = "REML", random = "~ Days | Subject",
       correlation = "corAR1(form = ~ Days | Subject)",
       control = "lmeControl(opt = \"optim\")"),
  list(name = "sleep_gaps_reml", data = "sleep_gaps", method = "REML", random = "~ 1 | Subject",
       correlation = "corAR1(form = ~ Days | Subject)"),
  list(name = "sleep_rev_reml", data = "sleep_rev", method = "REML", random = "~ 1 | Subject",
       correlation = "corAR1(form = ~ Days | Subject)"),
  list(name = "ortho_order_reml", data = "ortho", method = "REML", random = "~ 1 | Subject",
       correlation = "corAR1(form = ~ 1 | Subject)"),
  list(name = "sim_neg_ml", data = "sim_neg", method = "ML", random = "~ 1 | g",
       correlation = "corAR1(form = ~ t | g)"),
  # continuous-time AR(1): correlation Phi^|t - s| for real times
  list(name = "sim_car1_reml", data = "sim_car1", method = "REML", random = "~ 1 | g",
       correlation = "corCAR1(form = ~ t | g)"),
  list(name = "sim_car1_ml", data = "sim_car1", method = "ML", random = "~ 1 | g",
       correlation = "corCAR1(form = ~ t | g)"),
  list(name = "ortho_car1_reml", data = "ortho", method = "REML", random = "~ 1 | Subject",
       correlation = "corCAR1(form = ~ age | Subject)"),
  # a variance function and a correlation structure together
  list(name = "gpa_hetvar_ar1_reml", data = "gpa", method = "REML", random = "~ 1 | student",
       correlation = "corAR1(form = ~ occasion | student)", weights = "varIdent(form = ~ 1 | occasion)"),
  list(name = "sleep_hetvar_ar1_ml", data = "sleep", method = "ML", random = "~ 1 | Subject",
       correlation = "corAR1(form = ~ Days | Subject)", weights = "varIdent(form = ~ 1 | late)"),
  # variance covariates
  list(name = "ortho_power_reml", data = "ortho", method = "REML", random = "~ 1 | Subject",
       weights = "varPower(form = ~ age)"),
  list(name = "ortho_exp_ml", data = "ortho", method = "ML", random = "~ 1 | Subject",
       weights = "varExp(form = ~ age)"),
  list(name = "sleep_power_ar1_reml", data = "sleep", method = "REML", random = "~ 1 | Subject",
       correlation = "corAR1(form = ~ Days | Subject)", weights = "varPower(form = ~ Days1)")
)
FORMULAS <- list(sleep = "Reaction ~ Days", sleep_gaps = "Reaction ~ Days", sleep_rev = "Reaction ~ Days",
                 ortho = "distance ~ age", sim_neg = "y ~ x", sim_car1 = "y ~ x", gpa = "gpa ~ occasion")

one <- function(m) {
  dat <- get(m$data)
  call <- sprintf("lme(%s, data = dat, random = %s%s, method = \"%s\"%s%s)",
                  FORMULAS[[m$data]], m$random,
                  if (is.null(m$correlation)) "" else paste0(", correlation = ", m$correlation), m$method,
                  if (is.null(m$control)) "" else paste0(", control = ", m$control),
                  if (is.null(m$weights)) "" else paste0(", weights = ", m$weights))
  fit <- eval(parse(text = call))
  re <- ranef(fit)
  sds <- sqrt(diag(as.matrix(getVarCov(fit))))
  list(name = m$name, call = call, formula = FORMULAS[[m$data]], random = m$random,
       correlation = m$correlation, REML = m$method == "REML", nobs = nobs(fit),
       logLik = as.numeric(logLik(fit)), df = attr(logLik(fit), "df"), AIC = AIC(fit),
       fixef = as.list(fixef(fit)), fixef_se = as.list(sqrt(diag(vcov(fit)))),
       sigma = fit$sigma,
       Phi = if (is.null(fit$modelStruct$corStruct)) NULL else
         as.numeric(coef(fit$modelStruct$corStruct, unconstrained = FALSE)),
       weights = m$weights,
       var_coef = if (is.null(fit$modelStruct$varStruct)) NULL else
         as.list(coef(fit$modelStruct$varStruct, unconstrained = FALSE, allCoef = TRUE)),
       re_sd = I(unname(sds)),
       re_cov = lapply(seq_len(nrow(getVarCov(fit))), function(i) I(unname(as.matrix(getVarCov(fit))[i, ]))),
       ranef_first5 = lapply(re[1:5, , drop = FALSE], I),
       ranef_levels_first5 = I(rownames(re)[1:5]),
       fitted_first10 = I(unname(fitted(fit)[1:10])),
       rows = I(as.integer(rownames(dat))))
}

out <- list(
  generated_by = "tools/refs/make_refs_residuals.R",
  note = paste("nlme::lme with residual structures; rows are the 1-based rows of the dataset",
               "handed to lme, in that order (fitted values follow it)"),
  versions = versions("nlme"),
  models = lapply(MODELS, one))
write_json_file(out, "residuals")
