# ranger reference for the defaults study: one probability forest per seed (ranger's defaults:
# 100 trees, min.node.size 10, mtry floor(sqrt(p)), sampling with replacement), 1 thread.
# Usage: Rscript ranger_seeds.R TRAIN.csv TEST.csv OUT.csv SEED...
# OUT.csv: one column of test-set P(y = 1) per seed, named s<SEED>; prints fit seconds per seed.
suppressPackageStartupMessages(library(ranger))
a <- commandArgs(trailingOnly = TRUE)
tr <- read.csv(a[[1]]); te <- read.csv(a[[2]]); out <- a[[3]]; seeds <- as.integer(a[-(1:3)])
feat <- setdiff(names(tr), "y")
xtr <- as.matrix(tr[, feat]); ytr <- factor(tr$y, levels = c(0, 1)); xte <- as.matrix(te[, feat])
res <- list(); secs <- c()
for (s in seeds) {
  t0 <- Sys.time()
  rf <- ranger(x = xtr, y = ytr, num.trees = 100, probability = TRUE, num.threads = 1, seed = s, verbose = FALSE)
  secs <- c(secs, as.numeric(Sys.time() - t0, units = "secs"))
  res[[paste0("s", s)]] <- predict(rf, data = xte, num.threads = 1)$predictions[, "1"]
}
write.csv(as.data.frame(res), out, row.names = FALSE)
cat(sprintf('{"ranger": "%s", "fit_s": [%s]}\n', packageVersion("ranger"), paste(sprintf("%.4f", secs), collapse = ", ")))
