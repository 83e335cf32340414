# Fit one problem with lme4, `repeats` times in this one R process.
# Usage: Rscript lme4.R spec.json   (csv, levels, formula, family, reml, repeats)
# Prints one JSON line per fit: seconds (lmer/glmer call only), loglik, fixef,
# converged; or error.
suppressPackageStartupMessages({ library(lme4); library(jsonlite) })
spec <- fromJSON(commandArgs(trailingOnly = TRUE)[1], simplifyVector = TRUE)
d <- read.csv(spec$csv, na.strings = "", stringsAsFactors = FALSE)
for (col in names(spec$levels)) {
  d[[col]] <- factor(as.character(d[[col]]), levels = spec$levels[[col]])
}
f <- as.formula(spec$formula)
fit_once <- function() {
  if (spec$family == "gaussian") lmer(f, data = d, REML = spec$reml)
  else glmer(f, data = d, family = get(spec$family)())
}
converged <- function(m) {
  msgs <- c(m@optinfo$conv$lme4$messages, m@optinfo$warnings)
  m@optinfo$conv$opt == 0 && !any(grepl("converge|degenerate|unable", unlist(msgs)))
}
for (i in seq_len(spec$repeats)) {
  out <- tryCatch({
    t0 <- proc.time()[["elapsed"]]
    m <- suppressMessages(suppressWarnings(fit_once()))
    seconds <- proc.time()[["elapsed"]] - t0
    list(seconds = seconds, loglik = as.numeric(logLik(m)),
         fixef = as.list(fixef(m)), converged = converged(m))
  }, error = function(e) list(error = conditionMessage(e)))
  cat(toJSON(out, auto_unbox = TRUE, digits = NA), "\n", sep = "")
  flush(stdout())
}
