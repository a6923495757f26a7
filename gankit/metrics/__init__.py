"""Metrics: FID, KID and precision/recall over pluggable feature spaces (see docs/metrics.md).

`stats` (streaming statistics, Fréchet distance), `scores` (KID, precision/recall), `inception` (the FID
network), `features` (one feature pass over a folder, a .npz file or a MODEL), `evaluate` (the commands' logic).
"""
