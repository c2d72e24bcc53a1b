# The rMEA 1.3.0 call behind tests/data/applied_project_mea/rmea_l3w30i10_raw/*.csv, the
# windowed lagged cross-correlation reference on the bundled MIT sample
# (tests/test_sync_lagged.py::test_parity_bundled_applied_project).
#
# Those CSVs were made with rMEA 1.3.0 (Kleinbub & Ramseyer 2020, GPL-3; CRAN) by the
# project's peer runs and copied from ../shared/reference/rmea/applied10_l3w30i10_raw, whose
# README records the call: the files' columns 1 and 2, no header, 25 Hz,
# MEAccf(lagSec = 3, winSec = 30, incSec = 10, r2Z = FALSE, ABS = FALSE); one CSV per session,
# rows = windows in time order, columns = lags from -3 s to +3 s in steps of one sample.
# This script writes that call out so it can be rerun where rMEA installs; it has NOT been
# run in this repository's environment (CRAN, and so rMEA, is not reachable here).
#
# Usage (R >= 4 with install.packages("rMEA")), from the repository root:
#   Rscript tests/reference/rmea_ccf_applied.R tests/data/applied_project_mea OUT_DIR

library(rMEA)

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript rmea_ccf_applied.R INPUT_DIR OUT_DIR")
in_dir <- args[1]
out_dir <- args[2]
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)
stopifnot(packageVersion("rMEA") == "1.3.0")

for (path in sort(list.files(in_dir, pattern = "\\.txt$", full.names = TRUE))) {
  id <- sub("\\.txt$", "", basename(path))
  # skip and header go through readMEA's ... to read.table
  mea <- readMEA(path, s1Col = 1, s2Col = 2, sampRate = 25, s1Name = "s1", s2Name = "s2",
                 idOrder = NA, skip = 0, header = FALSE)
  mea <- MEAccf(mea, lagSec = 3, winSec = 30, incSec = 10, r2Z = FALSE, ABS = FALSE)
  # one session: its ccf matrix, lag columns named as rMEA names them ("lag-3" ... "lag3")
  write.csv(mea[[1]]$ccf, file.path(out_dir, paste0(id, ".csv")), row.names = FALSE)
}
