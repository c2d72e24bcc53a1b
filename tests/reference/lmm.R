# Reference values of the mixed-model parity tests (tests/test_stats_mixed.py).
# Inputs: tests/reference/lmm_*.csv, written by tests/reference/lmm_data.py.
# Run from the repository root: Rscript tests/reference/lmm.R
# Made with R 4.2 (Debian r-base-core), lme4, lmerTest and emmeans from Debian packages;
# each model fitted twice: lmer's default settings (optimizer nloptwrap/BOBYQA, control
# "default") and the same optimizer run to convergence (control "tight": xtol_abs 1e-12,
# ftol_abs 1e-14, xtol_rel 1e-12), whose optimum the default stops short of by up to
# ~3e-8 in the REML criterion; emmeans with Satterthwaite df.
suppressPackageStartupMessages({library(lme4); library(lmerTest); library(emmeans)})
here <- "tests/reference"
read <- function(name) read.csv(file.path(here, paste0("lmm_", name, ".csv")))
cond <- read("conditions")
cond$condition <- factor(cond$condition, levels = c("240p", "480p", "1080p"))
slp <- read("slopes")
slp$group <- factor(slp$group)
crs <- read("crossed")
crs$task <- factor(crs$task)

cases <- list(
  conditions_reml = list(data = cond, reml = TRUE, emm = "condition",
                         f = grand_average ~ condition * cq + (1 | dyad)),
  conditions_ml = list(data = cond, reml = FALSE, emm = "condition",
                       f = grand_average ~ condition * cq + (1 | dyad)),
  conditions_nested = list(data = cond, reml = TRUE, emm = "condition",
                           f = grand_average ~ condition + cq + (1 | dyad) + (1 | participant)),
  slopes = list(data = slp, reml = TRUE, emm = "group",
                f = grand_average ~ session_number * group + (1 + session_number | dyad)),
  uncorrelated = list(data = slp, reml = TRUE, emm = "group",
                      f = grand_average ~ session_number * group + (session_number || dyad)),
  crossed = list(data = crs, reml = TRUE, emm = "task",
                 f = grand_average ~ task + x + (1 | dyad) + (1 | therapist))
)
controls <- list(default = lmerControl(),
                 tight = lmerControl(optCtrl = list(xtol_abs = 1e-12, ftol_abs = 1e-14,
                                                    xtol_rel = 1e-12)))
coef <- list(); fit <- list(); vc <- list(); aov <- list(); emm <- list()
for (control in names(controls)) for (case in names(cases)) {
  k <- cases[[case]]
  name <- paste(control, case)
  m <- lmer(k$f, data = k$data, REML = k$reml, control = controls[[control]])
  s <- coef(summary(m))
  coef[[name]] <- data.frame(control = control, case = case, term = rownames(s), estimate = s[, 1], se = s[, 2],
                             df = s[, 3], t = s[, 4], p_value = s[, 5])
  fit[[name]] <- data.frame(control = control, case = case, n_obs = nobs(m), sigma = sigma(m),
                            criterion = if (k$reml) REMLcrit(m) else deviance(m),
                            loglik = as.numeric(logLik(m)), singular = isSingular(m))
  v <- as.data.frame(VarCorr(m))
  vc[[name]] <- data.frame(control = control, case = case, group = v$grp, name_1 = v$var1, name_2 = v$var2,
                           variance = v$vcov)
  a <- anova(m, type = 3, ddf = "Satterthwaite")
  aov[[name]] <- data.frame(control = control, case = case, term = rownames(a), sum_sq = a[, 1], mean_sq = a[, 2],
                            num_df = a[, 3], den_df = a[, 4], F = a[, 5], p_value = a[, 6])
  e <- as.data.frame(emmeans(m, k$emm, lmer.df = "satterthwaite"))
  emm[[name]] <- data.frame(control = control, case = case, factor = k$emm, level = as.character(e[[k$emm]]),
                            estimate = e$emmean, se = e$SE, df = e$df, ci_low = e$lower.CL,
                            ci_high = e$upper.CL)
}
out <- function(x, name) write.csv(do.call(rbind, x), file.path(here, name), row.names = FALSE)
out(coef, "lmm_coef_r.csv"); out(fit, "lmm_fit_r.csv"); out(vc, "lmm_varcor_r.csv")
out(aov, "lmm_anova_r.csv"); out(emm, "lmm_emmeans_r.csv")
