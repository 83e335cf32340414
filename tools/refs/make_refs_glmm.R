# make_refs_glmm.R -- extra lme4::glmer / glmer.nb reference fits.
#
# Usage (from anywhere):
#   Rscript tools/refs/make_refs_glmm.R [model_name ...]
# Writes one JSON per model to tests/fixtures/reference_extra/<name>.json with
# the same fields as the glmer references of tests/fixtures/reference/
# (made by make_refs.R), plus the GLMM-specific extras listed in
# tests/fixtures/reference_extra/INDEX.md.  See common.R for DATA_DIR,
# OUT_DIR and N_REP.

.f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(normalizePath(.f)), "common.R"))
only <- commandArgs(trailingOnly = TRUE)

G <- function(name, dataset, call, formula, family, link, nAGQ = 1L, weights = NULL,
              offset = NULL, engine = "lme4::glmer", note = NULL, compare_to = NULL, data_file = NULL)
  list(name = name, dataset = dataset, call = call, formula = formula, family = family,
       link = link, nAGQ = as.integer(nAGQ), weights = weights, offset = offset,
       engine = engine, note = note, compare_to = compare_to, data_file = data_file)

CBPP_F <- "cbind(incidence, size - incidence) ~ period + (1 | herd)"
GT <- function(f) sprintf("lme4::glmer(%s, data = dat, family = binomial)", f)
MODELS <- list(
  G("cbpp_agq10", "cbpp",
    sprintf("lme4::glmer(%s, data = dat, family = binomial, nAGQ = 10)", CBPP_F),
    CBPP_F, "binomial", "logit", nAGQ = 10,
    note = "adaptive Gauss-Hermite quadrature with 10 nodes; logLik/AIC/BIC/deviance are the AGQ approximations"),
  G("cbpp_agq0", "cbpp",
    sprintf("lme4::glmer(%s, data = dat, family = binomial, nAGQ = 0)", CBPP_F),
    CBPP_F, "binomial", "logit", nAGQ = 0,
    note = "nAGQ = 0: only theta is optimised (outer loop); fixed effects come from PIRLS together with the modes. logLik is the Laplace approximation at that optimum"),
  G("cbpp_probit", "cbpp",
    sprintf("lme4::glmer(%s, data = dat, family = binomial(link = \"probit\"))", CBPP_F),
    CBPP_F, "binomial", "probit"),
  G("cbpp_cloglog", "cbpp",
    sprintf("lme4::glmer(%s, data = dat, family = binomial(link = \"cloglog\"))", CBPP_F),
    CBPP_F, "binomial", "cloglog"),
  G("cbpp_prop_weights", "cbpp",
    "lme4::glmer(incidence/size ~ period + (1 | herd), data = dat, family = binomial, weights = size)",
    "incidence/size ~ period + (1 | herd)", "binomial", "logit", weights = "size",
    compare_to = list(name = "cbpp_glmm (shared reference)",
                      call = sprintf("lme4::glmer(%s, data = dat, family = binomial)", CBPP_F)),
    note = "proportion response with prior weights = size; must equal the cbind() fit (see check_vs_cbind)"),
  G("verbagg_bern", "VerbAgg",
    "lme4::glmer(r2 ~ Anger + Gender + btype + situ + (1 | id) + (1 | item), data = dat, family = binomial)",
    "r2 ~ Anger + Gender + btype + situ + (1 | id) + (1 | item)", "binomial", "logit",
    note = "Bernoulli 0/1 response: r2 is a factor with levels N, Y; the first level (N) is failure, Y success"),
  G("orthodont_gamma", "Orthodont",
    "lme4::glmer(distance ~ age + (1 | Subject), data = dat, family = Gamma(link = \"log\"))",
    "distance ~ age + (1 | Subject)", "Gamma", "log",
    note = "Gamma GLMM: lme4 estimates a dispersion; `sigma` = sigma(fit), `gamma_dispersion` = sigma^2 (shape = 1/sigma^2). Subject is an ordered factor in the data (irrelevant as a grouping factor)"),
  G("orthodont_gamma_agq0", "Orthodont",
    "lme4::glmer(distance ~ age + (1 | Subject), data = dat, family = Gamma(link = \"log\"), nAGQ = 0)",
    "distance ~ age + (1 | Subject)", "Gamma", "log", nAGQ = 0,
    note = "nAGQ = 0 with a dispersion family: vcov = sigma^2 (R_X'R_X)^-1 (no Hessian); checks the sigma^2 factor"),
  G("grouse_nb_location", "grouseticks",
    "lme4::glmer.nb(TICKS ~ YEAR + cHEIGHT + (1 | LOCATION), data = dat)",
    "TICKS ~ YEAR + cHEIGHT + (1 | LOCATION)", "negative.binomial", "log", engine = "lme4::glmer.nb",
    note = "negative binomial (NB2) GLMM; nb_theta = getME(fit, \"glmer.nb.theta\") (var = mu + mu^2/theta)"),
  G("grouse_nb_brood", "grouseticks",
    "lme4::glmer.nb(TICKS ~ YEAR + cHEIGHT + (1 | BROOD), data = dat)",
    "TICKS ~ YEAR + cHEIGHT + (1 | BROOD)", "negative.binomial", "log", engine = "lme4::glmer.nb",
    note = "negative binomial (NB2) GLMM; nb_theta = getME(fit, \"glmer.nb.theta\") (var = mu + mu^2/theta)"),
  G("cbpp_pois_offset", "cbpp",
    "lme4::glmer(incidence ~ period + offset(log(size)) + (1 | herd), data = dat, family = poisson)",
    "incidence ~ period + offset(log(size)) + (1 | herd)", "poisson", "log", offset = "log(size) in formula",
    note = "Poisson rate model: new cases per animal in the herd (herd size = exposure). grouseticks and patents have no sensible exposure variable"),
  G("cbpp_pois_offset_arg", "cbpp",
    "lme4::glmer(incidence ~ period + (1 | herd), data = dat, family = poisson, offset = log(size))",
    "incidence ~ period + (1 | herd)", "poisson", "log", offset = "offset = log(size) argument",
    note = "same model as cbpp_pois_offset with the offset given as glmer's offset= argument; predictions (fitted, linpred, population_pred) include the offset"),
  G("crossed_slopes_bern", NULL,
    "lme4::glmer(y ~ cond + (1 + cond | subj) + (1 + cond | item), data = dat, family = binomial)",
    "y ~ cond + (1 + cond | subj) + (1 + cond | item)", "binomial", "logit",
    data_file = "data/sim_crossed_slopes.csv.gz",
    note = "simulated (tools/refs/simulate_crossed_slopes.py): 80 subjects x 120 items fully crossed, Bernoulli, correlated random intercepts and condition slopes for both factors")
)

run_model <- function(s) {
  ld <- if (is.null(s$data_file)) load_dataset(s$dataset) else load_extra_data(s$data_file)
  tf <- timed_fit(s$call, ld$data)
  fit <- tf$fit
  xw <- character()
  ex <- withCallingHandlers(extract_lme4(fit, s = NULL),  # (a GLMM: no lmerTest parts, no spec needed)
    warning = function(c) { xw <<- c(xw, conditionMessage(c)); invokeRestart("muffleWarning") })
  fam <- family(fit)
  extra <- list(
    family_R = fam$family, link_R = fam$link,
    minus2logLik_note = "-2 * logLik(fit); for nAGQ > 1 the AGQ approximation",
    offset_first10 = if (!is.null(getME(fit, "offset")) && any(getME(fit, "offset") != 0))
      first_k(getME(fit, "offset")) else NULL,
    prior_weights_first10 = first_k(weights(fit, type = "prior")),
    response_first10 = first_k(getME(fit, "y")),
    deviance_residuals_first10 = first_k(residuals(fit, type = "deviance")),
    pearson_residuals_first10 = first_k(residuals(fit, type = "pearson")),
    response_residuals_first10 = first_k(residuals(fit, type = "response")))
  if (s$family == "Gamma") extra$gamma_dispersion <- sigma(fit)^2
  if (s$nAGQ > 1) {
    # lme4 1.1-31 reports the AGQ log-likelihood relative to the saturated model
    # (lme4 issues #161, #567): logLik(fit) + saturated_logLik is on the
    # scale of the Laplace fit's logLik.
    y <- getME(fit, "y"); w <- weights(fit, type = "prior")
    sat <- switch(s$family,
      binomial = sum(dbinom(round(y * w), round(w), y, log = TRUE)),
      poisson = sum(dpois(y, y, log = TRUE)), NA_real_)
    extra$saturated_logLik <- sat
    extra$logLik_plus_saturated <- as.numeric(logLik(fit)) + sat
    extra$agq_logLik_note <- paste("lme4 1.1-31 reports logLik/deviance of nAGQ > 1 fits without the saturated",
      "log-likelihood (lme4 GitHub issues #161 and #567): logLik is about 42 higher than the Laplace fit's",
      "on cbpp. logLik_plus_saturated = logLik + saturated_logLik is comparable with nAGQ = 1 fits.")
  }
  if (s$engine == "lme4::glmer.nb") {
    extra$nb_theta <- getME(fit, "glmer.nb.theta")
    extra$nb_theta_note <- "getME(fit, \"glmer.nb.theta\"): NB2 size parameter, estimated by glmer.nb's outer optimisation; logLik/AIC count it as one extra parameter (logLik_df)"
    extra$glmer_nb_iterations <- attr(fit, "nevals")
  }
  if (!is.null(s$compare_to)) {
    ref <- suppressWarnings(eval(parse(text = s$compare_to$call)[[1]], list(dat = ld$data)))
    extra$check_vs_cbind <- list(
      reference_call = s$compare_to$call,
      max_abs_diff_fixef = max(abs(fixef(fit) - fixef(ref))),
      max_abs_diff_theta = max(abs(getME(fit, "theta") - getME(ref, "theta"))),
      max_abs_diff_fixef_se = max(abs(sqrt(diag(as.matrix(vcov(fit)))) - sqrt(diag(as.matrix(vcov(ref)))))),
      diff_logLik = as.numeric(logLik(fit)) - as.numeric(logLik(ref)),
      diff_deviance = deviance(fit) - deviance(ref),
      cbind_logLik = as.numeric(logLik(ref)), cbind_deviance = deviance(ref),
      cbind_nobs = nobs(ref))
  }
  head <- list(
    name = s$name, set = "reference_extra", dataset = s$dataset,
    data_file = if (is.null(s$data_file)) paste0("src/mixedmodels/datasets/data/", ld$file) else s$data_file,
    engine = s$engine, call = s$call, formula = s$formula,
    random = NULL, weights = s$weights, offset = s$offset, correlation = NULL,
    REML = FALSE, family = s$family, link = s$link, nAGQ = s$nAGQ, control = NULL,
    note = s$note,
    warnings = I(tf$warnings), messages = I(tf$messages), extraction_warnings = I(unique(xw)))
  c(head, ex, extra, list(timing = tf$timing, versions = versions()))
}

todo <- if (length(only)) Filter(function(s) s$name %in% only, MODELS) else MODELS
for (s in todo) {
  cat(sprintf("%-22s ... ", s$name))
  r <- tryCatch(run_model(s), error = function(e) { cat("FAILED:", conditionMessage(e), "\n"); NULL })
  if (is.null(r)) next
  write_json_file(r, s$name)
  cat(sprintf("median %.3f s%s%s\n", r$timing$median_s,
              if (length(r$warnings)) paste0("  [warnings: ", paste(r$warnings, collapse = " | "), "]") else "",
              if (isTRUE(r$isSingular)) "  [singular]" else ""))
}
cat("done\n")
