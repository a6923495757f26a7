"""3D-GAN (Wu et al. 2016): the ``voxel`` task (occupancy grids → meshes, renders), the ``voxel`` model, the
``primitives`` data set, voxel features and the COV / MMD / 1-NNA metrics.

Registration only: networks, data, meshes and metrics live in their modules, imported when used.
"""

from __future__ import annotations

from pathlib import Path

import gankit
from gankit.specs import (FOLDER, DatasetSpec, FeatureExtractorSpec, Input, MetricSpec, ModelSpec, Option, TaskSpec,
                          Writer)

WEIGHTS = Path(__file__).parent / "weights"
OUT = "gankit_plugins.voxel.output"
THRESHOLD = Option(0.5, "occupancy level of the surface", minimum=0.0, maximum=1.0)
SCALE = Option(1, "enlarge renders N times", minimum=1, maximum=16)


@gankit.hookimpl
def register_tasks(register) -> None:
    register(TaskSpec(
        "voxel",
        (
            Writer((FOLDER,), f"{OUT}:write_folder", "per shape: NNNN.npy, a mesh NNNN.obj (or .stl/.ply) and a render NNNN.png",
                   {"threshold": THRESHOLD, "mesh_format": Option("obj", "mesh format in a folder", choices=("obj", "stl", "ply"))}),
            Writer((".png", ".jpg", ".webp"), f"{OUT}:write_renders", "one picture: shaded renders in a grid",
                   {"threshold": THRESHOLD, "scale": SCALE}),
            Writer((".gif",), f"{OUT}:write_gif", "an animation, one shape per frame (interpolations morph)",
                   {"threshold": THRESHOLD, "fps": Option(8.0, "frames per second", minimum=0.1, maximum=100),
                    "turn": Option(0.0, "degrees the view turns per frame"), "scale": SCALE}),
            Writer((".obj", ".stl", ".ply"), f"{OUT}:write_mesh", "one mesh file, the shapes side by side",
                   {"threshold": THRESHOLD}),
            Writer((".npy",), "gankit.images:write_npy", "the raw occupancies, (N, 1, S, S, S) float32 in [0, 1]"),
            Writer((".binvox",), f"{OUT}:write_binvox", "binvox grids: one file, or NAME-0000.binvox … for several",
                   {"threshold": THRESHOLD}),
        ),
        f"{OUT}:preview",
        inputs={"label": Input("str", "the class to make, by name or number (class-conditional models)",
                               multiple=True, interpolate=True)},
        description="3D shapes as occupancy grids",
        sample_type="voxels", default_out="shapes", folder_data="gankit_plugins.voxel.files:load_folder",
        template="gankit_plugins.voxel.template", playground=(".png", ".obj"),
        channels_last=True,  # channels-last-3d: ~1.1x faster 3D convolutions on CPU (benchmarks/voxel.py)
    ))


@gankit.hookimpl
def register_models(register) -> None:
    register(ModelSpec(
        name="voxel",
        task="voxel",
        builder="gankit_plugins.voxel.model:VoxelGAN",
        description="3D-GAN: latent to occupancy grid with 3D transposed convolutions (Wu et al. 2016)",
        options={
            "grid_size": Option(32, "voxels per side", choices=(16, 32, 64)),
            "latent_dim": Option(200, "size of the latent z", minimum=1),
            "latent": Option("normal", "distribution of z", choices=("normal", "uniform")),
            "ngf": Option(16, "generator width (its 4x4x4 layer has ngf * 2^(stages-1) channels; paper 64 at 64^3)", minimum=2),
            "ndf": Option(16, "discriminator width", minimum=2),
            "upsample": Option("transposed", "G's upsampling: transposed convolutions (the paper's) or a nearest "
                               "resize and a convolution", choices=("transposed", "resize")),
            "conditional": Option(False, "learn the data set's classes (the paper trains one model per class); "
                                  "then `--label NAME` picks one"),
            "class_names": Option("", "a conditional model's classes, '|'-separated (filled when training starts)"),
            "class_loss": Option(0.0, "a conditional model's weight of AC-GAN's class loss: D also classifies the real "
                                 "grids, and G's grids are pushed to be read as the class asked for (0: off)", minimum=0.0),
            "target_blur": Option(0.0, "show D the real grids smoothed by a Gaussian of this many voxels (their 0.5 "
                                  "level stays near the surface; a smooth field G's sigmoid can match; 0: off)",
                                  minimum=0.0, maximum=4.0),
            "pose": Option("free", "free: G draws each grid as it is; turned: G draws a shape in its own frame and "
                           "turns it by a rotation read from z's first four numbers (a unit quaternion: uniform "
                           "rotations for a normal z), for data posed at random", choices=("free", "turned")),
        },
        default_dataset="primitives",
        default_weights=str(WEIGHTS / "primitives"),
        train_defaults={"steps": 3000, "batch_size": 32, "lr_g": 2.5e-3, "lr_d": 1e-3, "beta1": 0.5,
                        "d_accuracy_threshold": 0.8, "sample_every": 500},
    ))


@gankit.hookimpl
def register_datasets(register) -> None:
    register(DatasetSpec(
        "primitives", "gankit_plugins.voxel.primitives:load",
        "solid sphere, box, cylinder, cone, torus, capsule, pyramid; random size, aspect and pose; labelled (no download)",
        sample_type="voxels", defaults={"grid_size": 32},
    ))


@gankit.hookimpl
def register_metrics(register) -> None:
    for name, function, what in (("cov", "cov", "coverage: share of real shapes nearest to some generated one"),
                                 ("mmd", "mmd", "minimum matching distance (1 - IoU), real to generated"),
                                 ("1nna", "nna", "1-nearest-neighbour accuracy, generated vs real (50% ideal)")):
        register(MetricSpec(name, f"gankit_plugins.voxel.quality:{function}",
                            f"{what}; with a mean-shape baseline", kind="samples", sample_type="voxels"))
    register(MetricSpec("classes", "gankit_plugins.voxel.classifier:classes",
                        "share of samples two primitive classifiers (3D CNN, descriptor MLP) read with p >= 0.9, "
                        "and the smallest class share (models of primitives)", kind="samples", sample_type="voxels"))


@gankit.hookimpl
def register_feature_extractors(register) -> None:
    register(FeatureExtractorSpec(
        "voxel", "gankit_plugins.voxel.classifier:feature_extractor",
        "the bundled primitive classifier's 128-d embedding (3D CNN): FID/KID/PR for voxel models, offline",
        sample_type="voxels",
    ))
