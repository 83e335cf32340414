# make_refs_glmm_profile.R -- profile-likelihood and Wald confidence intervals
# of glmer fits (lme4's profile.merMod / confint.merMod for GLMMs).
#
# Usage (from anywhere):
#   Rscript tools/refs/make_refs_glmm_profile.R
# Writes confint_glmm_cbpp.json, confint_glmm_cbpp_agq5.json and confint_glmm_grouse.json to
# tests/fixtures/reference_extra/ (same fields as the lmer confint_* files of
# make_refs_inference.R, plus `profile`: lme4's profile table); then run
# make_index.R.  See common.R for DATA_DIR / OUT_DIR.
#
# For a GLMM lme4 profiles the Laplace deviance over (sd, fixed effects): each
# parameter in turn is fixed on a grid and all others are re-optimized with the
# fit's last optimizer (glmer's default: Nelder_Mead with its default
# tolerances); there is no .sigma row.

.f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(normalizePath(.f)), "common.R"))

# lme4's profile table: per parameter, the grid values and zeta, and the whole
# parameter vector (sd, fixed effects) at each point.
profile_block <- function(r) {
  if (!is.null(r$error)) return(meta(r))
  tab <- as.data.frame(r$value)
  params <- setdiff(names(tab), c(".zeta", ".par", ".focal"))
  by_par <- lapply(split(tab, tab$.par, drop = TRUE), function(d) {
    p <- as.character(d$.par[1])
    list(value = arr(d[[p]]), zeta = arr(d$.zeta), points = mat(d[, params]))
  })
  c(meta(r), list(columns = I(params), parameters = by_par))
}
profile_extra <- function(e) {
  prof <- profile_block(ev("profile(fit, signames = FALSE)", e))
  list(profile = tight_deviances(prof, e), tight_deviance_call = TIGHT_CALL)
}

# The Laplace deviance at every profile point, evaluated again with PIRLS
# converged tightly (tolPwrss = 1e-13 instead of glmer's 1e-7): lme4's own
# profile deviances (basedev + zeta^2) carry its PIRLS tolerance, up to 1e-2
# on grouseticks.  `tight_deviance` per parameter, `tight_deviance_at_optimum`.
TIGHT_CALL <- "update(fit, control = glmerControl(tolPwrss = 1e-13), devFunOnly = TRUE)"
tight_deviances <- function(prof, e) {
  if (is.null(prof$parameters)) return(prof)
  dev <- eval(parse(text = TIGHT_CALL)[[1]], e)
  fit <- e$fit
  nvp <- length(getME(fit, "theta"))
  at <- function(par) dev(c(lme4:::Sv_to_Cv(par[seq_len(nvp)], n = lengths(fit@cnms)), par[-seq_len(nvp)]))
  for (p in names(prof$parameters)) {
    pts <- prof$parameters[[p]]$points
    prof$parameters[[p]]$tight_deviance <- arr(apply(pts, 1, at))
  }
  prof$tight_deviance_at_optimum <- dev(c(getME(fit, "theta"), fixef(fit)))
  prof
}

GLMM_NAMES_NOTE <- paste("oldNames = FALSE: sd_(Intercept)|herd; oldNames = TRUE (the lme4 default): .sig01, ...;",
                         "a binomial / Poisson GLMM has no .sigma row. Random-effect rows are on the SD scale.",
                         "Wald gives null (NA) for the variance parameters.")
PROFILE_NOTE <- paste("profile: Laplace deviance over (sd, fixed effects), each parameter fixed in turn and all",
                      "others re-optimized with the fit's final optimizer (Nelder_Mead, default tolerances);",
                      "`profile` holds lme4's profile(fit, signames = FALSE) table")

ci_model("confint_glmm_cbpp", "cbpp",
         "lme4::glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), data = dat, family = binomial)",
         note = PROFILE_NOTE, names_note = GLMM_NAMES_NOTE, extra = profile_extra)
ci_model("confint_glmm_cbpp_agq5", "cbpp",
         "lme4::glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), data = dat, family = binomial, nAGQ = 5)",
         note = paste(PROFILE_NOTE, "on the adaptive Gauss-Hermite deviance (5 nodes)"),
         names_note = GLMM_NAMES_NOTE, extra = profile_extra)
ci_model("confint_glmm_grouse", "grouseticks",
         "lme4::glmer(TICKS ~ YEAR + cHEIGHT + (1 | BROOD) + (1 | LOCATION), data = dat, family = poisson)",
         note = paste(PROFILE_NOTE, "(about 14 s per profile in R on the reference machine);",
                      "the LOCATION sd profile reaches 0 with |zeta| < 1.96, so its lower limit is the bound 0"),
         names_note = GLMM_NAMES_NOTE, extra = profile_extra)
cat("done\n")
