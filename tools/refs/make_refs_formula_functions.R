# make_refs_formula_functions.R -- lme4's fixed-effects column names and
# log-likelihood for formulas that call R functions (as.factor, as.numeric,
# relevel, ordered, factor(levels = c(...)), cut, ifelse, pmin, round, is.na,
# ...), R's operators inside calls with missing values (>, &, !, %in%, %%),
# splines (ns, bs, splines::ns), use column names with dots or that are
# Python keywords (my.var, in.x, class), and R operators (%in%, -, ^, /), on
# one simulated data set.
#
# Usage (from anywhere):
#   Rscript tools/refs/make_refs_formula_functions.R
# Writes tests/fixtures/reference_extra/data/formula_functions.csv (the data)
# and tests/fixtures/reference_extra/formula_functions.json.

.f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(normalizePath(.f)), "common.R"))
suppressPackageStartupMessages(library(splines))

set.seed(20261124)
n <- 240
d <- data.frame(g = sample(1:12, n, TRUE), h = sample(1:4, n, TRUE), x = round(rnorm(n), 6),
                z = round(runif(n, 1, 3), 6), f = sample(c("p", "q", "r"), n, TRUE), k = sample(1:3, n, TRUE))
d$y <- round(1 + d$x + 0.5 * (d$f == "q") + rnorm(12)[d$g] + rnorm(n), 6)
d$my.var <- round(runif(n, 0.5, 2), 6)
d$in.x <- round(rnorm(n), 6)
d$class <- sample(c("a", "b"), n, TRUE)
d$w <- ifelse(seq_len(n) %% 17 == 3, NA, round(rnorm(n), 6))  # missing in 14 rows
d$or <- round(runif(n, 1, 2), 6)  # a Python keyword
d[["my var"]] <- round(runif(n, 1, 3), 6)  # a name that is not syntactic: `my var`
d[["a b"]] <- d$g
d[["c d"]] <- d$h
d[["site:plot"]] <- paste0(d$g, ":", d$h)  # one column, whose name holds ':'
d[["_r_my_dvar"]] <- round(runif(n, 1, 3), 6)  # what my.var is called inside the library
write.csv(d, file.path(OUT_DIR, "data", "formula_functions.csv"), row.names = FALSE)
d <- read.csv(file.path(OUT_DIR, "data", "formula_functions.csv"), check.names = FALSE)  # what Python reads

FORMULAS <- c(
  "y ~ poly(x, 3, raw = TRUE) + (1 | g)",
  "y ~ x*z - x + (1 | g)",
  "y ~ -1 + x + (1 | g)",
  "y ~ x + I(x^2):f + (1 | g)",
  "y ~ log(z):f + (1 | g)",
  "y ~ f/x + (1 | g)",
  "y ~ x + (x - 1 | g)",
  "y ~ as.factor(k) + (1 | g)",
  "y ~ as.numeric(k) + (1 | g)",
  "y ~ as.numeric(as.factor(f)) + (1 | g)",
  "y ~ as.integer(z) + (1 | g)",
  "y ~ as.character(k) + (1 | g)",
  "y ~ relevel(factor(f), ref = \"q\") + (1 | g)",
  "y ~ relevel(factor(f), ref = 3) + (1 | g)",
  "y ~ ordered(k) + (1 | g)",
  "y ~ factor(k, levels = c(3, 1, 2)) + (1 | g)",
  "y ~ x + z %in% f + (1 | g)",
  "y ~ I(x > 0) + (1 | g)",
  "y ~ pmin(x, 1) + pmax(z, 2) + (1 | g)",
  "y ~ round(z) + floor(z) + ceiling(x) + trunc(x) + sign(x) + (1 | g)",
  "y ~ round(x, 1) + (1 | g)",
  "y ~ cut(x, 3) + (1 | g)",
  "y ~ cut(z, 4, include.lowest = TRUE, right = FALSE) + (1 | g)",
  "y ~ cut(x, c(-5, 0, 5), right = FALSE) + (1 | g)",
  "y ~ cut(x, c(-5, -1, 0, 1, 5), dig.lab = 1) + (1 | g)",
  "y ~ ifelse(x > 0, 1, 0) + (1 | g)",
  "y ~ (x + z + f)^2 + (1 | g)",
  "y ~ my.var + log(my.var):in.x + (1 | g)",
  "y ~ I(in.x^2) + class + (1 | g)",
  "log(my.var) ~ x + (my.var | g)",
  "y ~ x + (1 | g:f)",
  "y ~ x + (0 + f | g)",
  "y ~ ns(x, 3) + (1 | g)",
  "y ~ splines::ns(z, df = 3) + (1 | g)",
  "y ~ bs(x, knots = c(-1, 0, 1), Boundary.knots = c(-4, 4)) + (1 | g)",
  "y ~ bs(z, df = 4, degree = 2) * f + (1 | g)",
  "y ~ stats::poly(x, 2) + (1 | g)",
  "y ~ I(w > 0) + (1 | g)",
  "y ~ ifelse(w > 0, 1, 0) + (1 | g)",
  "y ~ I(w > 0 & z < 2) + (1 | g)",
  "y ~ I(!(w > 0)) + (1 | g)",
  "y ~ ifelse(is.na(w), 0, w) + (1 | g)",
  "y ~ I(k %in% c(1, 3)) + (1 | g)",
  "y ~ I(k %% 2) + I(k %/% 2) + (1 | g)",
  "y ~ as.numeric(as.character(k)) + (1 | g)",
  "y ~ as.logical(k - 1) + (1 | g)",
  "y ~ ifelse(z > 2, \"hi\", \"lo\") + (1 | g)",
  "y ~ cut(z, 3, labels = FALSE) + (1 | g)",
  "y ~ c(z) + round(z, 2) + (1 | g)",
  "y ~ as.factor(f == \"q\") + (1 | g)",
  "y ~ I(2 * x %% 3) + (1 | g)",
  "y ~ I(10 / k %% 4) + I(2 * k %/% 2) + (1 | g)",
  "y ~ I((k %% 2) == 0) + ifelse((x > 0), 1, 0) + (1 | g)",
  "y ~ I((x > 0) & (z < 2)) + (1 | g)",
  "y ~ ifelse(x > 0 & TRUE, 1, 0) + (1 | g)",
  "y ~ I(x > 0 & w) + (1 | g)",
  "y ~ I(!(k - 1)) + I(!w > 0) + (1 | g)",
  "y ~ ifelse(as.character(k) %in% c(1, 2), 1, 0) + (1 | g)",
  "y ~ I(k == \"1\") + (1 | g)",
  "y ~ log(or) + (1 | g)",
  "y ~ `my var` + log(`my var`):f + (1 | g)",
  "`y` ~ I(`my var`^2) + (`my var` | `g`)",
  "y ~ I(k == k) + x + (1 | g)",
  "y ~ I(x * !(k - 1)) + I(k == !(k - 1)) + (1 | g)",
  "y ~ x + (1 | `a b`/`c d`)",
  "y ~ x + (1 | `a b`:h) + (1 | k)",
  "y ~ x + (1 | `site:plot`)",
  "y ~ `_r_my_dvar` + my.var + (1 | g)"
)

fit_one <- function(f) {
  r <- capture_safe(function() lmer(as.formula(f), d))
  if (!is.null(r$error)) return(list(error = r$error))
  m <- r$value
  list(colnames = I(colnames(getME(m, "X"))), fixef = nv(fixef(m)), loglik = as.numeric(logLik(m)),
       re_names = I(unname(unlist(getME(m, "cnms")))), re_groups = I(names(getME(m, "cnms"))))
}
refs <- lapply(FORMULAS, fit_one)
names(refs) <- FORMULAS
write_json_file(list(versions = versions(), data_file = "data/formula_functions.csv", formulas = refs),
                "formula_functions")
