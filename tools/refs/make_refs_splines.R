# make_refs_splines.R -- reference bases of R's splines::bs() and splines::ns()
# for the formula transforms `bs` and `ns` (src/mixedmodels/formula/_splines.py).
#
# For every case: the training x, the arguments given, the basis R returns
# (rows x columns, NA -> null), its knots and Boundary.knots attributes, the
# warnings R gave, and predict(basis, newx) on new points inside and outside
# the training range (with an NA), as R's predict()/makepredictcall() do for
# new data: the knots and boundary knots found on the training x are reused.
#
# x values: sleepstudy$Days (integers 0-9, 18 ties each), a continuous x
# (set.seed(1); rnorm(50), rounded to 6 decimals so that the JSON text holds
# exactly the doubles R used), heavily tied x whose quantile knots coincide
# with the lower boundary (bs and ns) or the upper one (bs only: R's ns fails
# there), the continuous x with three NA values, and a single value (ns).
#
# Standalone (needs splines, jsonlite and lme4 for sleepstudy). Usage:
#   Rscript tools/refs/make_refs_splines.R
# Writes tests/fixtures/reference_extra/splines.json (OUT_DIR overrides the folder).

suppressPackageStartupMessages({
  library(splines); library(jsonlite); library(lme4)
})
.f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
REPO <- normalizePath(file.path(dirname(normalizePath(.f)), "..", ".."))
OUT_DIR <- Sys.getenv("OUT_DIR", file.path(REPO, "tests", "fixtures", "reference_extra"))
dir.create(OUT_DIR, showWarnings = FALSE, recursive = TRUE)

set.seed(1)
XS <- list(
  days = as.numeric(lme4::sleepstudy$Days),
  cont = round(rnorm(50), 6),
  heavy_ties = c(0, 0, 0, 0, 0, 0, 1, 2, 2, 3),
  top_ties = c(0, 1, 2, 3, 3, 3, 3, 3, 3, 3),
  single = -2.5  # ns of one value: Boundary.knots x * c(7, 9)/8, unsorted
)
XS$cont_na <- replace(XS$cont, c(3, 6, 14), NA)  # the minimum among them: other knots, other boundary
NEWX <- list(
  days = c(-2, -0.5, 0, 0.3, 2, 4.5, 9, 9.7, 12, NA),
  cont = c(-3.5, -2.3, -2.2147, -1, 0, 0.37, 1.5, 1.595281, 1.7, 2.6, NA),
  heavy_ties = c(-1, 0, 0.5, 2, 3, 4, NA),
  top_ties = c(-1, 0, 0.5, 2.5, 3, NA),  # none above 3: R's bs gives NaN there (its knots equal the maximum)
  single = c(-4, -2.8, -2.5, -2.2, 0, NA)
)
NEWX$cont_na <- NEWX$cont

CASES <- list(
  list(name = "bs_df5_days", fun = "bs", x = "days", args = list(df = 5)),
  list(name = "bs_df5_cont", fun = "bs", x = "cont", args = list(df = 5)),
  list(name = "bs_default_days", fun = "bs", x = "days", args = list()),
  list(name = "bs_knots_days", fun = "bs", x = "days", args = list(knots = c(2, 4.5, 7))),
  list(name = "bs_knots_cont", fun = "bs", x = "cont", args = list(knots = c(-0.5, 0, 0.8))),
  list(name = "bs_degree2_df4_cont", fun = "bs", x = "cont", args = list(degree = 2, df = 4)),
  list(name = "bs_degree1_df3_days", fun = "bs", x = "days", args = list(degree = 1, df = 3)),
  list(name = "bs_df6_intercept_cont", fun = "bs", x = "cont", args = list(df = 6, intercept = TRUE)),
  list(name = "bs_df6_intercept_days", fun = "bs", x = "days", args = list(df = 6, intercept = TRUE)),
  list(name = "bs_boundary_narrow_cont", fun = "bs", x = "cont",
       args = list(df = 5, Boundary.knots = c(-1.5, 1.2))),
  list(name = "bs_boundary_wide_days", fun = "bs", x = "days",
       args = list(df = 4, Boundary.knots = c(10, -1))),
  list(name = "bs_df5_heavy_ties", fun = "bs", x = "heavy_ties", args = list(df = 5)),
  list(name = "bs_df5_top_ties", fun = "bs", x = "top_ties", args = list(df = 5)),
  list(name = "bs_df5_na", fun = "bs", x = "cont_na", args = list(df = 5)),
  list(name = "ns_df4_days", fun = "ns", x = "days", args = list(df = 4)),
  list(name = "ns_df4_cont", fun = "ns", x = "cont", args = list(df = 4)),
  list(name = "ns_default_days", fun = "ns", x = "days", args = list()),
  list(name = "ns_knots_cont", fun = "ns", x = "cont", args = list(knots = c(-0.5, 0, 0.8))),
  list(name = "ns_knots_days", fun = "ns", x = "days", args = list(knots = c(3, 6))),
  list(name = "ns_df3_intercept_cont", fun = "ns", x = "cont", args = list(df = 3, intercept = TRUE)),
  list(name = "ns_df3_intercept_days", fun = "ns", x = "days", args = list(df = 3, intercept = TRUE)),
  list(name = "ns_df1_days", fun = "ns", x = "days", args = list(df = 1)),
  list(name = "ns_df1_cont", fun = "ns", x = "cont", args = list(df = 1)),
  list(name = "ns_boundary_narrow_cont", fun = "ns", x = "cont",
       args = list(df = 4, Boundary.knots = c(-1.5, 1.2))),
  list(name = "ns_boundary_wide_days", fun = "ns", x = "days",
       args = list(df = 3, Boundary.knots = c(-1, 10))),
  list(name = "ns_df4_heavy_ties", fun = "ns", x = "heavy_ties", args = list(df = 4)),
  list(name = "ns_df2_single", fun = "ns", x = "single", args = list(df = 2)),
  list(name = "ns_df3_na", fun = "ns", x = "cont_na", args = list(df = 3))
)

# call f(...) and collect its warnings' messages
with_warnings <- function(expr) {
  msgs <- character(0)
  value <- withCallingHandlers(expr, warning = function(w) {
    msgs <<- c(msgs, conditionMessage(w)); invokeRestart("muffleWarning")
  })
  list(value = value, warnings = I(msgs))
}
rows <- function(m) lapply(seq_len(nrow(m)), function(i) I(unname(as.numeric(m[i, ]))))
python_args <- function(args) {
  names(args)[names(args) == "Boundary.knots"] <- "Boundary_knots"
  lapply(args, function(a) if (length(a) > 1) I(a) else a)
}

run_case <- function(case) {
  x <- XS[[case$x]]
  newx <- NEWX[[case$x]]
  fun <- match.fun(case$fun)
  fit <- with_warnings(do.call(fun, c(list(x), case$args)))
  basis <- fit$value
  pred <- with_warnings(predict(basis, newx))
  list(fun = case$fun, x_name = case$x, x = I(x), args = python_args(case$args),
       call = deparse(as.call(c(as.name(case$fun), quote(x), case$args)), width.cutoff = 500L),
       colnames = I(colnames(basis)),
       knots = I(unname(as.numeric(attr(basis, "knots")))),
       Boundary_knots = I(as.numeric(attr(basis, "Boundary.knots"))),
       basis = rows(basis), warnings = fit$warnings,
       newx = I(newx), predict = rows(pred$value), predict_warnings = pred$warnings)
}

cases <- lapply(CASES, run_case)
names(cases) <- vapply(CASES, `[[`, "", "name")
out <- list(
  description = "splines::bs/ns bases and predict() on new x (tools/refs/make_refs_splines.R)",
  R_version = R.version.string,
  splines_version = as.character(packageVersion("splines")),
  cases = cases
)
path <- file.path(OUT_DIR, "splines.json")
write_json(out, path, digits = NA, auto_unbox = TRUE, na = "null", null = "null", pretty = FALSE)
cat("wrote", path, "(", length(cases), "cases )\n")
