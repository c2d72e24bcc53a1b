# rMEA's preprocessing chain in base R, written from rMEA 1.3.0's documentation (its help
# pages for MEAsmooth, MEAscale and MEAoutlier, and ../shared/reference/rmea/README.md),
# not from rMEA's source. rMEA itself cannot be installed here (CRAN is not reachable), so
# this script stands in for it; tests/test_preprocess.py::test_r_script_reproduces_rmea
# proves that it gives rMEA's own outputs on the sessions rMEA was run on
# (../shared/reference/rmea/rmea_normal3_pipeline_l5w30i10, GPL data, not bundled).
#
# The chain, as rMEA calls it:
#   MEAsmooth(mea, moving.average.win = WIN)            # moving average, SAS "proc expand"
#   MEAscale(mea, scale = "sd", removeNA = TRUE)         # divide each series by its SD
#   MEAoutlier(mea, threshold = function(x) sd(x) * K,   # K SDs of both partners pooled
#              direction = "greater", replace = NA)
#
# Usage (R >= 4; made tests/reference/rmea_preprocess_mit with R 4.2.2):
#   Rscript tests/reference/rmea_preprocess.R OUT_DIR SKIP WIN K FILE...
#   Rscript tests/reference/rmea_preprocess.R tests/reference/rmea_preprocess_mit/w0.5_sd10 \
#       0 0.5 10 tests/data/applied_project_mea/MEA_video*.txt
# FILE: MEA text (whitespace separated), columns 1 and 2 are s1 and s2, SKIP header lines;
# sampling rate 25 Hz. Writes OUT_DIR/<file name without extension>_preprocessed.csv.gz
# with columns s1, s2 (15 significant digits, as R writes; NA for removed values).

sampling_rate <- 25

# MEAsmooth: a centred moving average of n = WIN * sampling_rate samples (n may be
# fractional). Sample t (1-based) becomes sum(x[i1:i2]) / n with i1 = t - (n - 1) / 2
# (at least 1) and i2 = t + (n - 1) / 2, indices truncated as R does. A window that runs
# past the end, or holds an NA, gives NA, and rMEA sets NA values to 0; samples that were
# missing before smoothing stay missing.
mea_smooth <- function(x, win) {
  n <- win * sampling_rate
  half <- (n - 1) / 2
  out <- vapply(seq_along(x), function(t) {
    i1 <- max(1, t - half)
    sum(x[i1:(t + half)]) / n
  }, numeric(1))
  out[is.na(out)] <- 0
  out[is.na(x)] <- NA
  out
}

# MEAscale(scale = "sd", removeNA = TRUE): each series divided by its own SD (n - 1),
# missing values left out of the SD; no centring.
mea_scale_sd <- function(x) x / sd(x, na.rm = TRUE)

# MEAoutlier(threshold = function(x) sd(x) * K, direction = "greater", replace = NA): the
# threshold is K SDs of both partners' series together; values above it become NA.
mea_outlier <- function(s1, s2, k) {
  limit <- sd(c(s1, s2)) * k
  s1[s1 > limit] <- NA
  s2[s2 > limit] <- NA
  list(s1 = s1, s2 = s2, limit = limit)
}

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 5) stop("usage: Rscript rmea_preprocess.R OUT_DIR SKIP WIN K FILE...")
out_dir <- args[1]
skip <- as.integer(args[2])
win <- as.numeric(args[3])
k <- as.numeric(args[4])
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)
for (path in args[-(1:4)]) {
  raw <- read.table(path, skip = skip, header = FALSE)
  s1 <- mea_scale_sd(mea_smooth(as.numeric(raw[[1]]), win))
  s2 <- mea_scale_sd(mea_smooth(as.numeric(raw[[2]]), win))
  res <- mea_outlier(s1, s2, k)
  id <- sub("\\.[^.]*$", "", basename(path))
  fmt <- function(v) ifelse(is.na(v), "NA", sprintf("%.15g", v))
  con <- gzfile(file.path(out_dir, paste0(id, "_preprocessed.csv.gz")), "w")
  writeLines(c("s1,s2", paste(fmt(res$s1), fmt(res$s2), sep = ",")), con)
  close(con)
  cat(sprintf("%s: %d samples, threshold %.6g, removed s1 %d, s2 %d\n", id, length(s1),
              res$limit, sum(is.na(res$s1)), sum(is.na(res$s2))))
}
