"""Inter-brain synchrony (hyperscanning): EEG measures on MNE objects or arrays
(:mod:`~attunement.brain.eeg`), fNIRS wavelet coherence (:mod:`~attunement.brain.fnirs`),
their nulls and corrections (:mod:`~attunement.brain.stats`,
:mod:`~attunement.brain.pvalues`). The public names are re-exported from :mod:`attunement`."""
