"""The core's own registrations, made through the same hooks as any plugin (no torch at import)."""

import gankit
from gankit.specs import FeatureExtractorSpec


@gankit.hookimpl
def register_feature_extractors(register) -> None:
    register(FeatureExtractorSpec("inception", "gankit.metrics.inception:load_inception",
                                  "pytorch-fid's Inception v3, pool3 (2048-d): the standard FID for natural images"))
