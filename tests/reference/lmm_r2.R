# Nakagawa's R² and the ICC of the mixed-model parity cases (tests/test_stats_mixed.py),
# from R's performance package (r2_nakagawa, icc; Nakagawa, Johnson & Schielzeth 2017),
# on lmer fits run to convergence as in lmm.R. Run from the repository root:
# Rscript tests/reference/lmm_r2.R  (R 4.2.2, lme4 1.1.31, performance 0.10.2, Debian)
suppressPackageStartupMessages({library(lme4); library(performance)})
here <- "tests/reference"
read <- function(name) read.csv(file.path(here, paste0("lmm_", name, ".csv")))
cond <- read("conditions")
cond$condition <- factor(cond$condition, levels = c("240p", "480p", "1080p"))
slp <- read("slopes")
slp$group <- factor(slp$group)
crs <- read("crossed")
crs$task <- factor(crs$task)
cases <- list(
  conditions_reml = list(cond, TRUE, grand_average ~ condition * cq + (1 | dyad)),
  conditions_ml = list(cond, FALSE, grand_average ~ condition * cq + (1 | dyad)),
  slopes = list(slp, TRUE, grand_average ~ session_number * group + (1 + session_number | dyad)),
  crossed = list(crs, TRUE, grand_average ~ task + x + (1 | dyad) + (1 | therapist))
)
tight <- lmerControl(optCtrl = list(xtol_abs = 1e-12, ftol_abs = 1e-14, xtol_rel = 1e-12))
rows <- list()
for (case in names(cases)) {
  k <- cases[[case]]
  m <- lmer(k[[3]], data = k[[1]], REML = k[[2]], control = tight)
  r2 <- r2_nakagawa(m)
  i <- icc(m)
  rows[[case]] <- data.frame(case = case, r2_marginal = r2$R2_marginal,
                             r2_conditional = r2$R2_conditional, icc = i$ICC_adjusted)
}
write.csv(do.call(rbind, rows), file.path(here, "lmm_r2_r.csv"), row.names = FALSE)
