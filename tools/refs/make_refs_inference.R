# make_refs_inference.R -- reference values for inference on lme4 fits:
# likelihood-ratio anova tables, profile / Wald confidence intervals,
# lmerTest ranova / drop1 / anova (Satterthwaite, Kenward-Roger),
# performance::r2_nakagawa / icc, and a bootMer timing.
#
# Usage (from anywhere):
#   Rscript tools/refs/make_refs_inference.R [part ...]
# parts: lrt confint lmertest r2icc bootmer (default: all).  One JSON per
# analysis is written to tests/fixtures/reference_extra/ (see INDEX.md there;
# common.R for DATA_DIR / OUT_DIR).  Every R call is stored verbatim
# (`calls`); `dat` is the CSV read with the manifest's factor level order and
# the model objects are named as in the calls (the row names of R's anova
# tables are those object names).

.f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(normalizePath(.f)), "common.R"))
suppressPackageStartupMessages({ library(lmerTest); library(pbkrtest) })
parts <- commandArgs(trailingOnly = TRUE)
if (!length(parts)) parts <- c("lrt", "confint", "lmertest", "r2icc", "bootmer")

# ====================================================================== LRT
anova_block <- function(r) c(meta(r), if (is.null(r$error)) list(table = table_with_order(r$value)))

lrt_pair <- function(name, dataset, fit_calls, anova_calls, note = NULL) {
  e <- env_for(dataset)
  fits <- lapply(names(fit_calls), function(n) ev(fit_calls[[n]], e, assign_to = n))
  names(fits) <- names(fit_calls)
  tabs <- lapply(anova_calls, function(cl) anova_block(ev(cl, e)))
  names(tabs) <- names(anova_calls)
  save(c(header(name, "anova_lrt", e, note),
         list(fits = fits_block(e, fits), anova = tabs,
              columns_note = paste("lme4 anova.merMod columns: npar, AIC, BIC, logLik, deviance (-2 logLik),",
                                   "Chisq, Df, Pr(>Chisq); REML fits are refitted with ML unless refit = FALSE;",
                                   "row names are the object names in the call; the first row has null Chisq/Df/p"))),
       name, extra_versions = character())
}

if ("lrt" %in% parts) {
  lrt_pair("lrt_sleep_int_vs_slope", "sleepstudy",
    list(fm0 = "lme4::lmer(Reaction ~ Days + (1 | Subject), data = dat, REML = TRUE)",
         fm1 = "lme4::lmer(Reaction ~ Days + (Days | Subject), data = dat, REML = TRUE)"),
    list(ml_refit = "anova(fm0, fm1)",
         reml_no_refit = "anova(fm0, fm1, refit = FALSE)"),
    note = "nested random-effects structures; the p-value is the naive chi-square one (variance on the boundary)")
  lrt_pair("lrt_exam_sex", "Exam",
    list(fm0 = "lme4::lmer(normexam ~ standLRT + (1 | school), data = dat, REML = TRUE)",
         fm1 = "lme4::lmer(normexam ~ standLRT + sex + (1 | school), data = dat, REML = TRUE)"),
    list(ml_refit = "anova(fm0, fm1)",
         reml_no_refit = "anova(fm0, fm1, refit = FALSE)"),
    note = "fixed-effect test; the refit = FALSE table compares REML criteria of models with different fixed effects (not a valid test; recorded only because R computes it)")
  lrt_pair("lrt_pupils_secondary", "pupils",
    list(fm0 = "lme4::lmer(achievement ~ sex + ses + (1 | primary_school_id), data = dat, REML = TRUE)",
         fm1 = "lme4::lmer(achievement ~ sex + ses + (1 | primary_school_id) + (1 | secondary_school_id), data = dat, REML = TRUE)"),
    list(ml_refit = "anova(fm0, fm1)",
         reml_no_refit = "anova(fm0, fm1, refit = FALSE)"),
    note = "crossed model vs the same without (1 | secondary_school_id)")
  lrt_pair("lrt_sleep_lmer_vs_lm", "sleepstudy",
    list(fm1 = "lme4::lmer(Reaction ~ Days + (1 | Subject), data = dat, REML = TRUE)",
         lm0 = "lm(Reaction ~ Days, data = dat)"),
    list(lmer_first = "anova(fm1, lm0)",
         lm_first = "anova(lm0, fm1)",
         lmer_first_no_refit = "anova(fm1, lm0, refit = FALSE)"),
    note = paste("lmer vs lm: lme4's anova.merMod accepts lm objects among the later arguments (the lm's ML logLik is used);",
                 "with the lm first, R dispatches to stats::anova.lm -- see that entry for what R does"))
}

# ================================================================== confint
if ("confint" %in% parts) {
  ci_model("confint_sleep_slope_reml", "sleepstudy",
           "lme4::lmer(Reaction ~ Days + (Days | Subject), data = dat, REML = TRUE)")
  ci_model("confint_exam_int_reml", "Exam",
           "lme4::lmer(normexam ~ standLRT + sex + (1 | school), data = dat, REML = TRUE)")
  ci_model("confint_pupils_crossed", "pupils",
           "lme4::lmer(achievement ~ sex + ses + (1 | primary_school_id) + (1 | secondary_school_id), data = dat, REML = TRUE)")
}

# ================================================================= lmerTest
if ("lmertest" %in% parts) {
  tab_block <- function(r) c(meta(r), if (is.null(r$error)) list(table = table_with_order(r$value)))
  lt_model <- function(name, dataset, fit_call, note = NULL) {
    e <- env_for(dataset)
    f <- ev(fit_call, e, assign_to = "fit")
    calls <- c(
      ranova = "lmerTest::ranova(fit)",
      drop1_satterthwaite = "drop1(fit)",
      drop1_kenward_roger = "drop1(fit, ddf = \"Kenward-Roger\")",
      anova_type1_satterthwaite = "anova(fit, type = 1, ddf = \"Satterthwaite\")",
      anova_type2_satterthwaite = "anova(fit, type = 2, ddf = \"Satterthwaite\")",
      anova_type3_satterthwaite = "anova(fit, type = 3, ddf = \"Satterthwaite\")",
      anova_type1_kenward_roger = "anova(fit, type = 1, ddf = \"Kenward-Roger\")",
      anova_type2_kenward_roger = "anova(fit, type = 2, ddf = \"Kenward-Roger\")",
      anova_type3_kenward_roger = "anova(fit, type = 3, ddf = \"Kenward-Roger\")",
      coef_satterthwaite = "coef(summary(fit, ddf = \"Satterthwaite\"))",
      coef_kenward_roger = "coef(summary(fit, ddf = \"Kenward-Roger\"))")
    out <- lapply(calls, function(cl) {
      r <- ev(cl, e)
      if (grepl("^coef", cl)) c(meta(r), if (is.null(r$error)) list(coef_table = coef_table(r$value)))
      else tab_block(r)
    })
    names(out) <- names(calls)
    save(c(header(name, "lmerTest", e, note),
           list(fits = fits_block(e, list(fit = f)), tables = out,
                columns_note = paste("ranova: npar, logLik, AIC, LRT, Df, Pr(>Chisq) (REML likelihoods, rows '<none>' and one per reduced term);",
                                     "drop1 / anova: Sum Sq, Mean Sq, NumDF, DenDF, F value, Pr(>F) (lmerTest drop1 = marginal F tests, equal to type 3);",
                                     "type 1 = sequential, type 2 / type 3 = marginal (lmerTest definitions); Pr(>F) = 0 means R underflowed"))),
         name)
  }
  lt_model("lmertest_sleep_slope", "sleepstudy",
           "lmerTest::lmer(Reaction ~ Days + (Days | Subject), data = dat, REML = TRUE)")
  lt_model("lmertest_exam_int", "Exam",
           "lmerTest::lmer(normexam ~ standLRT + sex + (1 | school), data = dat, REML = TRUE)")
  lt_model("lmertest_nurses_nested", "nurses",
           "lmerTest::lmer(stress ~ age + sex + experience + treatment + wardtype + hospsize + (1 | hospital/ward), data = dat, REML = TRUE)")
}

# =================================================================== R2/ICC
if ("r2icc" %in% parts) {
  suppressPackageStartupMessages({ library(performance); library(insight) })
  r2_model <- function(name, dataset, fit_call, note = NULL) {
    e <- env_for(dataset)
    f <- ev(fit_call, e, assign_to = "fit")
    r2 <- ev("performance::r2_nakagawa(fit)", e)
    ic <- ev("performance::icc(fit)", e)
    gv <- ev("insight::get_variance(fit)", e)
    fi <- ev("insight::model_info(fit)", e)
    mi <- fi$value
    # non-Gaussian log-link fits: insight refits a null model (intercept only,
    # same random effects) and uses mu = exp(its intercept)
    nm <- if (!isTRUE(mi$is_linear)) ev("insight::null_model(fit)", e) else NULL
    null_block <- if (!is.null(nm)) c(meta(nm), if (is.null(nm$error)) list(
      summary = fit_summary(nm$value),
      mu = exp(unname(fixef(nm$value))[1]),
      note = paste("the null model that insight::get_variance refits internally; mu = exp(intercept) enters the",
                   "lognormal distribution variance for log-link count models (binomial logit uses pi^2/3 and does not need it);",
                   "warnings raised by r2_nakagawa/icc/get_variance come from this refit")))
    method <- if (isTRUE(mi$is_linear)) "gaussian: residual variance sigma^2"
      else if (isTRUE(mi$is_binomial)) switch(mi$link_function,
        logit = "binomial logit: theoretical (latent-scale) distribution variance pi^2/3",
        probit = "binomial probit: distribution variance 1",
        cloglog = "binomial cloglog: distribution variance pi^2/6", mi$link_function)
      else if (isTRUE(mi$is_count) && mi$link_function == "log")
        "count, log link: lognormal approximation log1p(var(mu)/mu^2) = log1p(1/mu) for Poisson, mu = exp(intercept of the null model refitted with the same random effects) (insight .variance_distributional)"
      else "other"
    save(c(header(name, "r2_icc", e, note),
      list(fits = fits_block(e, list(fit = f)),
           r2_nakagawa = c(meta(r2), if (is.null(r2$error)) list(
             R2_marginal = unname(as.numeric(r2$value$R2_marginal)),
             R2_conditional = unname(as.numeric(r2$value$R2_conditional)))),
           icc = c(meta(ic), if (is.null(ic$error)) list(
             ICC_adjusted = as.numeric(ic$value$ICC_adjusted),
             ICC_unadjusted = as.numeric(ic$value$ICC_unadjusted),
             ICC_conditional = as.numeric(ic$value$ICC_conditional))),
           get_variance = c(meta(gv), if (is.null(gv$error)) lapply(gv$value, function(v)
             if (length(v) > 1 || !is.null(names(v))) nv(v) else as.numeric(v))),
           variance_method = method,
           null_model = null_block,
           model_info = list(family = mi$family, link_function = mi$link_function),
           definitions = paste("R2_marginal = var.fixed / (var.fixed + var.random + var.residual);",
             "R2_conditional = (var.fixed + var.random) / (same); ICC_adjusted = var.random / (var.random + var.residual);",
             "ICC_unadjusted (= ICC_conditional in this performance version) = var.random / (var.fixed + var.random + var.residual);",
             "var.residual = var.distribution + var.dispersion (observation-level random effects go into var.dispersion);",
             "var.fixed = var(X beta) (denominator n - 1); var.random for random slopes is the mean over rows of z' Sigma z",
             "(Johnson 2014), computed from the model matrix"))),
      name, extra_versions = c("performance", "insight"))
  }
  r2_model("r2icc_sleep_slope", "sleepstudy",
           "lme4::lmer(Reaction ~ Days + (Days | Subject), data = dat, REML = TRUE)")
  r2_model("r2icc_exam_int", "Exam",
           "lme4::lmer(normexam ~ standLRT + sex + (1 | school), data = dat, REML = TRUE)")
  r2_model("r2icc_pupils_crossed", "pupils",
           "lme4::lmer(achievement ~ sex + ses + (1 | primary_school_id) + (1 | secondary_school_id), data = dat, REML = TRUE)")
  r2_model("r2icc_cbpp_glmm", "cbpp",
           "lme4::glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), data = dat, family = binomial)")
  r2_model("r2icc_grouse_pois", "grouseticks",
           "lme4::glmer(TICKS ~ YEAR + cHEIGHT + (1 | BROOD) + (1 | INDEX) + (1 | LOCATION), data = dat, family = poisson)",
           note = "(1 | INDEX) is observation-level (403 levels = nobs): insight counts it in var.dispersion, not var.random")
}

# ================================================================== bootMer
if ("bootmer" %in% parts) {
  e <- env_for("sleepstudy")
  f <- ev("lme4::lmer(Reaction ~ Days + (Days | Subject), data = dat, REML = TRUE)", e, assign_to = "fit")
  reps <- lapply(1:3, function(i) ev("{ set.seed(1); lme4::bootMer(fit, lme4::fixef, nsim = 100) }", e))
  b <- reps[[1]]$value
  tms <- vapply(reps, `[[`, 0, "elapsed_s")
  save(c(header("bootmer_timing_sleep_slope", "bootMer_timing", e,
                note = "parametric bootstrap (bootMer defaults: type = \"parametric\", use.u = FALSE), each replicate refits with REML; timed 3 times, each after set.seed(1)"),
    list(fits = fits_block(e, list(fit = f)),
         call = reps[[1]]$call, nsim = 100L, seed = 1L,
         warnings = I(unique(unlist(lapply(reps, `[[`, "warnings")))),
         messages = I(unique(unlist(lapply(reps, `[[`, "messages")))),
         timing = list(what = "elapsed seconds of the whole bootMer call (set.seed included), one per repetition",
                       elapsed_s = arr(tms), median_s = round(median(tms), 3)),
         n_failed = sum(apply(b$t, 1, function(r) any(is.na(r)))),
         t0 = nv(b$t0),
         boot_mean = nv(colMeans(b$t)), boot_sd = nv(apply(b$t, 2, sd)),
         boot_first5 = list(colnames = I(names(b$t0)), values = mat(b$t[1:5, , drop = FALSE])),
         rng_note = "bootstrap replicates depend on R's Mersenne-Twister stream; only t0 and the rough size of boot_sd are portable")),
    "bootmer_timing_sleep_slope", extra_versions = character())
}
cat("done\n")
