# make_index.R -- writes tests/fixtures/reference_extra/INDEX.md from the JSON
# files there (run after make_refs_glmm.R / make_refs_inference.R / make_refs_glmm_profile.R).
#   Rscript tools/refs/make_index.R

.f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(normalizePath(.f)), "common.R"))

files <- sort(list.files(OUT_DIR, pattern = "\\.json$", full.names = TRUE))
J <- lapply(files, function(f) fromJSON(f, simplifyVector = FALSE))
names(J) <- sub("\\.json$", "", basename(files))
esc <- function(x) gsub("\n", " ", gsub("|", "\\|", x, fixed = TRUE))
code <- function(x) paste0("`", esc(x), "`")
all_warn <- function(x) {
  # every non-empty `warnings` entry anywhere in the object, with its path
  out <- character()
  walk <- function(o, path) {
    if (is.list(o)) {
      if (!is.null(o$warnings) && length(o$warnings))
        out <<- c(out, paste0(if (nzchar(path)) paste0(path, ": ") else "", paste(unlist(o$warnings), collapse = " / ")))
      if (!is.null(o$error)) out <<- c(out, paste0(path, ": ERROR ", o$error))
      for (n in setdiff(names(o), c("warnings", "versions"))) walk(o[[n]], if (nzchar(path)) paste(path, n, sep = ".") else n)
    }
  }
  walk(x, "")
  out
}
# group identical warning texts: "text (in a, b)"
group_warn <- function(x) {
  msgs <- list()
  walk <- function(o, path) {
    if (is.list(o)) {
      for (w in unlist(o$warnings)) msgs[[w]] <<- c(msgs[[w]], path)
      if (!is.null(o$error)) msgs[[paste("ERROR:", o$error)]] <<- c(msgs[[paste("ERROR:", o$error)]], path)
      for (n in setdiff(names(o), c("warnings", "versions"))) walk(o[[n]], if (nzchar(path)) paste(path, n, sep = ".") else n)
    }
  }
  walk(x, "")
  vapply(names(msgs), function(m) sprintf("%s (in %s)", gsub("\\s+", " ", m), paste(unique(msgs[[m]]), collapse = ", ")), "")
}

lmm <- Filter(function(x) is.null(x$kind) && identical(x$engine, "lme4::lmer"), J)
glmm <- Filter(function(x) is.null(x$kind) && !identical(x$engine, "lme4::lmer"), J)
inf <- Filter(function(x) !is.null(x$kind), J)
v <- J[[1]]$versions

L <- c("# Extra reference values (lme4 LMMs, GLMMs and inference)", "",
  "Produced by the R scripts in `tools/refs/` (`make_refs_glmm.R`, `make_refs_inference.R`, `make_refs_glmm_profile.R`,",
  "`make_refs_smallterms.R` on the simulated data of `simulate_smallterms.py` in `data/`, `make_refs_nested.R` on",
  "`data/sim_nested3.csv.gz` (a three-level nested design from `tools/lme4_diff`), the crossed-slopes glmer",
  "fit of `make_refs_glmm.R` on that of `simulate_crossed_slopes.py`,",
  "this index by `make_index.R`;",
  "shared helpers in `common.R`) from the bundled CSV files in `src/mixedmodels/datasets/data/` (byte-identical to",
  "`/work/shared/data`), read exactly as `tests/fixtures/reference/make_refs.R` reads them (factor levels from `manifest.json`).",
  "Re-run: `Rscript tools/refs/make_refs_glmm.R && Rscript tools/refs/make_refs_inference.R &&",
  "Rscript tools/refs/make_refs_glmm_profile.R && Rscript tools/refs/make_refs_smallterms.R &&",
  "Rscript tools/refs/make_refs_nested.R && Rscript tools/refs/make_index.R`.",
  sprintf("Machine: %s, %s cores; %s; lme4 %s, Matrix %s, lmerTest %s, pbkrtest %s, performance %s, insight %s.",
          v$cpu, v$cores, v$R, v$lme4, v$Matrix, pkgv("lmerTest"), pkgv("pbkrtest"), pkgv("performance"), pkgv("insight")),
  "Timings are indicative only (shared 2-core VM, reference BLAS).", "",
  "## GLMM fits (`make_refs_glmm.R`)", "",
  "Same fields as the glmer files of `tests/fixtures/reference/` (see the field list there and below).", "",
  "| file | engine | formula | dataset | family (link), method | nobs | fit time (s) | singular | notes |",
  "| --- | --- | --- | --- | --- | ---: | ---: | --- | --- |")
for (n in names(glmm)) {
  x <- glmm[[n]]
  form <- x$formula
  if (!is.null(x$weights)) form <- paste0(form, "; weights = ", x$weights)
  if (!is.null(x$offset) && grepl("argument", x$offset)) form <- paste0(form, "; offset = log(size)")
  meth <- if (x$nAGQ == 0) "nAGQ=0" else if (x$nAGQ == 1) "Laplace" else sprintf("AGQ, nAGQ=%d", x$nAGQ)
  notes <- c(if (length(x$warnings)) paste("fit warnings:", paste(unlist(x$warnings), collapse = " / ")),
             if (length(x$extraction_warnings)) paste("extraction warnings:", paste(unlist(x$extraction_warnings), collapse = " / ")),
             x$note,
             if (!is.null(x$nb_theta)) sprintf("nb_theta = %.6g", x$nb_theta),
             if (!is.null(x$gamma_dispersion)) sprintf("sigma = %.6g", x$sigma))
  L <- c(L, sprintf("| [%s](%s.json) | %s | %s | %s | %s (%s), %s | %d | %.3f | %s | %s |",
    n, n, x$engine, code(form), if (is.null(x$dataset)) x$data_file else x$dataset, x$family, x$link, meth, as.integer(x$nobs),
    x$timing$median_s, if (isTRUE(x$isSingular)) "yes" else "no", esc(paste(notes, collapse = "; "))))
}
L <- c(L, "", "## LMM fits with a small trailing term (`make_refs_smallterms.R`)", "",
  "Same fields as the lmer files of `tests/fixtures/reference/`; `feval` is lme4's number of deviance evaluations.", "",
  "| file | formula | data | REML | nobs | lme4 evaluations | fit time (s) | singular |",
  "| --- | --- | --- | --- | ---: | ---: | ---: | --- |")
for (n in names(lmm)) {
  x <- lmm[[n]]
  L <- c(L, sprintf("| [%s](%s.json) | %s | %s | %s | %d | %d | %.3f | %s |", n, n, code(x$formula), x$data_file,
    x$REML, as.integer(x$nobs), as.integer(x$feval), x$timing$median_s, if (isTRUE(x$isSingular)) "yes" else "no"))
}
L <- c(L, "", "## Inference (`make_refs_inference.R`)", "",
  "| file | kind | dataset | model(s) | R calls | notes / warnings |", "| --- | --- | --- | --- | --- | --- |")
for (n in names(inf)) {
  x <- inf[[n]]
  models <- vapply(names(x$fits), function(k) paste0(k, " = ", code(x$fits[[k]]$call)), "")
  calls <- switch(x$kind,
    anova_lrt = vapply(x$anova, function(a) code(a$call), ""),
    confint = vapply(x$confint, function(a) code(a$call), ""),
    lmerTest = vapply(x$tables, function(a) code(a$call), ""),
    r2_icc = c(code(x$r2_nakagawa$call), code(x$icc$call), code(x$get_variance$call),
               if (!is.null(x$null_model)) code(x$null_model$call)),
    bootMer_timing = code(x$call))
  notes <- c(x$note, if (x$kind == "r2_icc") paste("variance method:", x$variance_method),
             if (x$kind == "bootMer_timing") sprintf("median %.3f s for nsim = %d", x$timing$median_s, x$nsim),
             group_warn(x[setdiff(names(x), "versions")]))
  L <- c(L, sprintf("| [%s](%s.json) | %s | %s | %s | %s | %s |", n, n, x$kind, x$dataset,
                    paste(models, collapse = "<br>"), paste(calls, collapse = "<br>"),
                    esc(paste(notes, collapse = "; "))))
}
L <- c(L, "", readLines(file.path(.this_dir, "INDEX_fields.md")))
writeLines(L, file.path(OUT_DIR, "INDEX.md"))
cat("wrote", file.path(OUT_DIR, "INDEX.md"), "\n")
