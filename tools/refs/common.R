# common.R -- helpers shared by the make_refs_*.R scripts in this folder.
#
# These follow the conventions of tests/fixtures/reference/make_refs.R (the
# script that made the shared reference fits): data are read from the bundled
# CSV files with the factor level order of manifest.json, numbers are written
# with 15 significant digits (toJSON digits = NA), named vectors become JSON
# objects, matrices arrays of rows with their names alongside, and fields that
# do not apply are null.
#
# Environment variables:
#   DATA_DIR  folder with the CSV files and manifest.json
#             (default: <repo>/src/mixedmodels/datasets/data, byte-identical
#             to /work/shared/data)
#   OUT_DIR   folder for the JSON output (default: <repo>/tests/fixtures/reference_extra)
#   N_REP     number of timed fits per model (default 3; the median is reported)

.this_dir <- local({
  f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
  if (length(f)) dirname(normalizePath(f)) else normalizePath(".")
})
REPO <- normalizePath(file.path(.this_dir, "..", ".."))
DATA_DIR <- Sys.getenv("DATA_DIR", file.path(REPO, "src", "mixedmodels", "datasets", "data"))
OUT_DIR <- Sys.getenv("OUT_DIR", file.path(REPO, "tests", "fixtures", "reference_extra"))
N_REP <- as.integer(Sys.getenv("N_REP", "3"))
options(warn = 1)
dir.create(OUT_DIR, showWarnings = FALSE, recursive = TRUE)

suppressPackageStartupMessages({
  library(Matrix); library(lme4); library(jsonlite)
})

# ------------------------------------------------------------ data loading
.manifest <- NULL
load_dataset <- function(name) {
  if (is.null(.manifest))
    .manifest <<- fromJSON(file.path(DATA_DIR, "manifest.json"), simplifyVector = FALSE)
  d <- Filter(function(e) e$name == name, .manifest$datasets)
  if (length(d) != 1) stop("dataset ", name, " not in manifest")
  d <- d[[1]]
  cls <- vapply(d$columns, function(c) switch(c$type,
    "factor" = "character", "ordered factor" = "character", "string" = "character",
    "logical" = "logical", "integer" = "integer", "double" = "numeric"), "")
  x <- read.csv(file.path(DATA_DIR, d$file), colClasses = unname(cls), na.strings = "",
                check.names = FALSE, stringsAsFactors = FALSE, encoding = "UTF-8")
  for (c in d$columns) if (c$type %in% c("factor", "ordered factor"))
    x[[c$name]] <- factor(x[[c$name]], levels = unlist(c$levels), ordered = c$type == "ordered factor")
  stopifnot(nrow(x) == d$rows)
  list(data = x, file = d$file)
}

# --------------------------------------------------------------- helpers
# The JSON helpers and the lme4 extractor are those of the script that made
# the shared references: its function definitions are evaluated here, without
# running the script (which fits every shared model when sourced).
local({
  shared <- c("nv", "arr", "mat", "named_mat", "coef_table", "first_k", "ranef_block", "cpu_info", "extract_lme4")
  for (e in parse(file.path(REPO, "tests", "fixtures", "reference", "make_refs.R"))) {
    if (is.call(e) && identical(e[[1]], as.name("<-")) && is.name(e[[2]]) &&
        as.character(e[[2]]) %in% shared && is.call(e[[3]]) && identical(e[[3]][[1]], as.name("function")))
      eval(e, globalenv())
  }
  missing <- setdiff(shared, ls(globalenv()))
  if (length(missing)) stop("make_refs.R no longer defines: ", paste(missing, collapse = ", "))
})
# data.frame-like tables (anova, ranova, drop1): one object per row, keyed by
# row name; numeric columns as numbers (NA -> null), other columns as text
anova_table <- function(a) {
  a <- as.data.frame(a)
  out <- lapply(seq_len(nrow(a)), function(i) {
    r <- lapply(a[i, , drop = FALSE], function(v) if (is.numeric(v)) as.numeric(v) else as.character(v))
    setNames(r, colnames(a))
  })
  names(out) <- rownames(a)
  out
}
table_with_order <- function(a) list(row_names = I(rownames(as.data.frame(a))),
                                      columns = I(colnames(as.data.frame(a))),
                                      heading = I(as.character(attr(a, "heading"))),
                                      rows = anova_table(a))
pkgv <- function(p) if (requireNamespace(p, quietly = TRUE)) as.character(packageVersion(p)) else NULL
versions <- function(extra = character()) {
  v <- list(R = R.version.string, lme4 = pkgv("lme4"), Matrix = pkgv("Matrix"))
  for (p in extra) v[[p]] <- pkgv(p)
  c(v, list(BLAS = basename(sessionInfo()$BLAS), LAPACK = basename(sessionInfo()$LAPACK),
            cpu = cpu_info(), cores = parallel::detectCores()))
}

# Evaluate an expression, collecting warnings and messages instead of printing them.
capture <- function(expr_fun) {
  w <- character(); m <- character()
  val <- withCallingHandlers(expr_fun(),
    warning = function(c) { w <<- c(w, conditionMessage(c)); invokeRestart("muffleWarning") },
    message = function(c) { m <<- c(m, conditionMessage(c)); invokeRestart("muffleMessage") })
  list(value = val, warnings = unique(w), messages = unique(trimws(m)))
}
# Same, but an error becomes list(error = message) instead of stopping the script.
capture_safe <- function(expr_fun) {
  tryCatch(capture(expr_fun), error = function(e)
    list(value = NULL, error = conditionMessage(e), warnings = character(), messages = character()))
}

write_json_file <- function(x, name) {
  f <- file.path(OUT_DIR, paste0(name, ".json"))
  writeLines(toJSON(x, auto_unbox = TRUE, digits = NA, null = "null", na = "null", pretty = TRUE), f)
  invisible(f)
}

# Fit `call_txt` (evaluated with `dat` bound) N_REP times; return the last
# fit, the warnings/messages of the first fit and the elapsed times.
timed_fit <- function(call_txt, dat, n_rep = N_REP) {
  env <- new.env(parent = globalenv())
  env$dat <- dat
  expr <- parse(text = call_txt)[[1]]
  times <- numeric(n_rep); fit <- NULL; first <- NULL
  for (i in seq_len(n_rep)) {
    invisible(gc())
    t <- system.time(r <- capture(function() eval(expr, env)))
    times[i] <- t[["elapsed"]]
    if (i == 1) first <- r
    fit <- r$value
  }
  list(fit = fit, warnings = first$warnings, messages = first$messages, times = times,
       timing = list(what = "elapsed seconds of the model-fitting call only (system.time), one per repetition",
                     elapsed_s = arr(round(times, 3)), median_s = round(median(times), 3)))
}

# data beside the extra references (dataset = NULL): a CSV whose text columns
# are factors with sorted levels (tests/conftest.py::reference_data reads it so)
load_extra_data <- function(file) {
  x <- read.csv(file.path(REPO, "tests", "fixtures", "reference_extra", file), stringsAsFactors = FALSE)
  for (v in names(x)) if (is.character(x[[v]])) x[[v]] <- factor(x[[v]], levels = sort(unique(x[[v]])))
  list(data = x, file = file)
}

# Fit each of `models` (list(name, formula, REML)) with lme4::lmer on `dat`
# and write its reference JSON: `source` (fields naming the data) first, then
# the call, lme4's evaluations, warnings, timing and extract_lme4's fields.
write_lmer_refs <- function(models, dat, source) {
  for (m in models) {
    call <- sprintf("lme4::lmer(%s, data = dat, REML = %s)", m$formula, m$REML)
    r <- timed_fit(call, dat)
    out <- c(list(name = m$name), source,
             list(engine = "lme4::lmer", call = call, formula = m$formula, REML = m$REML,
                  feval = r$fit@optinfo$feval, warnings = I(r$warnings), messages = I(r$messages),
                  timing = r$timing, versions = versions()),
             extract_lme4(r$fit, summary(r$fit)))
    write_json_file(out, m$name)
    cat(m$name, "logLik", out$logLik, "feval", out$feval, "median s", r$timing$median_s, "\n")
  }
}

# ------------------------------------------------ recorded R calls (inference)
# Used by make_refs_inference.R and make_refs_glmm_profile.R.
# Evaluate one call (text) in env, capturing warnings / messages / errors and
# the elapsed time; the result is assigned to `assign_to` in env if given.
ev <- function(call_txt, env, assign_to = NULL) {
  expr <- parse(text = call_txt)[[1]]
  t0 <- proc.time()[["elapsed"]]
  r <- capture_safe(function() eval(expr, env))
  r$elapsed_s <- round(proc.time()[["elapsed"]] - t0, 3)
  r$call <- call_txt
  if (!is.null(assign_to) && is.null(r$error)) assign(assign_to, r$value, envir = env)
  r
}
# the part of an ev() result that goes into the JSON (without the value)
meta <- function(r) list(call = r$call, warnings = I(r$warnings), messages = I(r$messages),
                         error = r$error, elapsed_s = r$elapsed_s)
new_env <- function(dataset) { e <- new.env(parent = globalenv()); ld <- load_dataset(dataset)
  e$dat <- ld$data; attr(e, "file") <- ld$file; e }
data_file <- function(env) paste0("src/mixedmodels/datasets/data/", attr(env, "file"))

# short identification of a fit, to check that the same model was fitted
fit_summary <- function(fit) {
  ll <- logLik(fit)
  list(class = class(fit)[1], REML = if (inherits(fit, "merMod")) isREML(fit) else FALSE,
       nobs = nobs(fit), fixef = nv(if (inherits(fit, "merMod")) fixef(fit) else coef(fit)),
       theta = if (inherits(fit, "merMod")) nv(getME(fit, "theta")) else NULL,
       sigma = sigma(fit), logLik = as.numeric(ll), logLik_df = attr(ll, "df"),
       REMLcrit = if (inherits(fit, "merMod") && isREML(fit)) REMLcrit(fit) else NULL)
}
header <- function(name, kind, env, note = NULL) list(
  name = name, set = "reference_extra", kind = kind, dataset = attr(env, "dataset"),
  data_file = data_file(env), note = note)
env_for <- function(dataset) { e <- new_env(dataset); attr(e, "dataset") <- dataset; e }
save <- function(x, name, extra_versions = c("lmerTest", "pbkrtest")) {
  x$versions <- versions(extra_versions)
  write_json_file(x, name)
  cat("wrote", name, "\n")
}
fits_block <- function(env, fit_results) {
  # fit_results: named list of ev() results for the fitting calls
  lapply(fit_results, function(r) c(meta(r), if (is.null(r$error)) list(summary = fit_summary(r$value))))
}

# ------------------------------------------------------------------ confint
ci_block <- function(r) c(meta(r), if (is.null(r$error)) list(
  rownames = I(rownames(r$value)), colnames = I(colnames(r$value)), values = mat(r$value),
  rows = coef_table(r$value)))
CI_NAMES_NOTE <- paste("oldNames = FALSE: sd_(Intercept)|Subject, cor_Days.(Intercept)|Subject, sigma;",
                       "oldNames = TRUE (the lme4 default): .sig01, .sig02, ..., .sigma. Random-effect rows",
                       "are on the SD / correlation scale. Wald gives null (NA) for the variance parameters.")
# One confint_* file: the fit, profile and Wald intervals in both name styles;
# `extra(env)` may return more fields (evaluated after the intervals, `fit` in env).
ci_model <- function(name, dataset, fit_call, note = NULL, names_note = CI_NAMES_NOTE, extra = NULL) {
  e <- env_for(dataset)
  f <- ev(fit_call, e, assign_to = "fit")
  out <- list(
    profile_newnames = ci_block(ev("confint(fit, method = \"profile\", oldNames = FALSE)", e)),
    profile_oldnames = ci_block(ev("confint(fit, method = \"profile\", oldNames = TRUE)", e)),
    wald = ci_block(ev("confint(fit, method = \"Wald\")", e)),
    wald_newnames = ci_block(ev("confint(fit, method = \"Wald\", oldNames = FALSE)", e)))
  save(c(header(name, "confint", e, note),
         list(fits = fits_block(e, list(fit = f)), confint = out, level = 0.95, names_note = names_note),
         if (!is.null(extra)) extra(e)),
       name, extra_versions = character())
}
