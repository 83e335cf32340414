# make_refs_contrasts.R -- lme4 fits with contrasts other than R's defaults:
# the `contrasts` argument of lmer/glmer, C(f, contr[, how.many]) in the
# formula, an ordered factor given treatment contrasts, a contrast matrix with
# column names, and R's `%in%`; the fixed effects, their standard errors, the
# log-likelihood, X's column names, population-level predictions on a few
# rows, and lmerTest's type III anova of an interaction model with an ordered
# factor (polynomial contrasts), default and with sum contrasts for the other.
#
# Usage (from anywhere):
#   Rscript tools/refs/make_refs_contrasts.R
# Writes tests/fixtures/reference_extra/contrasts.json.

.f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(normalizePath(.f)), "common.R"))
suppressPackageStartupMessages(library(lmerTest))

cake <- load_dataset("cake")$data
cbpp <- load_dataset("cbpp")$data
sleep <- load_dataset("sleepstudy")$data
sleep$half <- factor(ifelse(sleep$Days < 5, "early", "late"))
NEW_ROWS <- c(1, 17, 50, 56)
GLMM_TIGHT <- "glmerControl(optimizer = \"bobyqa\", optCtrl = list(rhoend = 1e-10), tolPwrss = 1e-12)"  # 1-based rows of the data for predict(re.form = NA)

MODELS <- list(
  list(name = "cake_sum_arg", data = "cake", fun = "lmer",
       formula = "angle ~ recipe * temperature + (1 | recipe:replicate)",
       contrasts = list(recipe = "contr.sum")),
  list(name = "cake_default", data = "cake", fun = "lmer",
       formula = "angle ~ recipe * temperature + (1 | recipe:replicate)"),
  # terms without their main effects: lmerTest's containment reads R's terms "factors"
  # attribute, in which recipe:temperature holds only recipe (temperature is coded 2)
  list(name = "cake_missing_main", data = "cake", fun = "lmer",
       formula = "angle ~ temperature + recipe:temperature + (1 | replicate)"),
  list(name = "cake_missing_main_sum", data = "cake", fun = "lmer",
       formula = "angle ~ temperature + recipe:temperature + (1 | replicate)",
       contrasts = list(recipe = "contr.sum")),
  list(name = "cake_numeric_missing_main", data = "cake", fun = "lmer",
       formula = "angle ~ temp + recipe:temp + (1 | replicate)"),
  list(name = "cake_C_helmert_treatment_arg", data = "cake", fun = "lmer",
       formula = "angle ~ C(recipe, helmert) + temperature + (1 | replicate)",
       contrasts = list(temperature = "contr.treatment")),
  list(name = "cake_C_SAS_poly2", data = "cake", fun = "lmer",
       formula = "angle ~ C(recipe, SAS) + C(temperature, poly, 2) + (1 | replicate)"),
  list(name = "cake_C_contr_sum_string", data = "cake", fun = "lmer",
       formula = "angle ~ C(recipe, \"contr.sum\") + C(temperature, contr.helmert) + (1 | replicate)"),
  list(name = "cake_matrix_arg", data = "cake", fun = "lmer",
       formula = "angle ~ recipe + temperature + (1 | replicate)",
       contrasts = list(recipe = cbind(AvsB = c(1, -1, 0), ABvsC = c(1, 1, -2)))),
  list(name = "sleep_in", data = "sleep", fun = "lmer",
       formula = "Reaction ~ Days %in% half + (1 | Subject)"),
  # a glmer fit's estimates are those of a tight search (GLMM_TIGHT): with
  # lme4's defaults this one stops 2.8e-4 short in the log-likelihood (its
  # PIRLS tolerance, tolPwrss = 1e-7, leaves the deviance too rough), a
  # quarter of 1e-3 standard errors off; its standard errors are the default
  # fit's (the tight fit's Hessian gives ones 0.6-1.2 % larger)
  list(name = "cbpp_helmert_arg", data = "cbpp", fun = "glmer",
       formula = "cbind(incidence, size - incidence) ~ period + (1 | herd)",
       contrasts = list(period = "contr.helmert"))
)

fit_one <- function(m) {
  dat <- switch(m$data, cake = cake, cbpp = cbpp, sleep = sleep)
  args <- list(formula = as.formula(m$formula), data = dat, contrasts = m$contrasts)
  if (m$fun == "glmer") args$family <- binomial
  r <- capture(function() do.call(if (m$fun == "lmer") lmerTest::lmer else glmer, args))
  fit <- r$value
  V <- as.matrix(vcov(fit))
  if (m$fun == "glmer") fit <- update(fit, control = eval(parse(text = GLMM_TIGHT)))
  out <- list(
    data = m$data, fun = m$fun, formula = m$formula,
    contrasts = lapply(m$contrasts, function(c) if (is.matrix(c)) list(matrix = mat(c), colnames = I(colnames(c))) else c),
    reml = if (m$fun == "lmer") isREML(fit) else NULL,
    estimates_control = if (m$fun == "glmer") GLMM_TIGHT else NULL,
    colnames = I(colnames(getME(fit, "X"))),
    fixef = nv(fixef(fit)), fixef_se = nv(sqrt(diag(V))),
    loglik = as.numeric(logLik(fit)),
    new_rows = I(NEW_ROWS - 1L),
    predict_fixed = arr(predict(fit, newdata = dat[NEW_ROWS, ], re.form = NA)),
    warnings = I(r$warnings))
  if (m$name %in% c("cake_sum_arg", "cake_default", "cake_missing_main", "cake_missing_main_sum",
                    "cake_numeric_missing_main"))
    out$anova_type3 <- table_with_order(anova(fit, type = 3))
  out
}

refs <- lapply(MODELS, fit_one)
names(refs) <- vapply(MODELS, `[[`, "", "name")
write_json_file(list(versions = versions("lmerTest"), models = refs), "contrasts")
