"""Next-frame video prediction (Mathieu, Couprie & LeCun 2016): the ``next-frame-video`` task, the ``nextframe``
model, the ``bouncing`` and ``moving-digits`` data sets, and the PSNR / SSIM / sharpness metrics per horizon.

Registration only: networks, data, video input/output and metrics live in their modules, imported when used.
"""

from __future__ import annotations

from pathlib import Path

import gankit
from gankit.specs import FOLDER, DatasetSpec, Input, MetricSpec, ModelSpec, Option, TaskSpec, Writer

WEIGHTS = Path(__file__).parent / "weights"
VIDEO = "gankit_plugins.nextframe.video"
FPS = Option(8.0, "frames per second", minimum=0.1, maximum=100)
SCALE = Option(2, "enlarge frames N times (nearest neighbour)", minimum=1, maximum=32)


@gankit.hookimpl
def register_tasks(register) -> None:
    register(TaskSpec(
        "next-frame-video",
        (
            Writer((".gif",), f"{VIDEO}:write_gif", "an animated GIF (several clips side by side)", {"fps": FPS, "scale": SCALE}),
            Writer((".mp4",), f"{VIDEO}:write_mp4", 'an H.264 video (needs pip install "gankit[video]")', {"fps": FPS, "scale": SCALE}),
            Writer((FOLDER,), f"{VIDEO}:write_frames", "one PNG per frame: 0000.png, 0001.png, …", {"scale": SCALE}),
            Writer((".png", ".jpg", ".webp"), f"{VIDEO}:write_strip", "one picture: a row of frames per clip", {"scale": SCALE}),
            Writer((".npy",), "gankit.images:write_npy", "the raw clips, (N, T, C, H, W) float32 in [-1, 1]"),
        ),
        f"{VIDEO}:preview",
        description="the frames that follow a still or a clip",
        inputs={
            "image": Input("path", "a still picture to start from (used as k identical context frames)", multiple=True),
            "video": Input("path", "a clip (.gif, .mp4, .avi or a folder of frames) whose last k frames are the context"),
            "frames": Input("int", "how many frames to predict [default: 16]", minimum=1),
        },
        sample_type="video", pipeline_tag="image-to-video", default_out="clip.gif",
        example={"frames": 16}, folder_data="gankit_plugins.nextframe.data:load_folder", playground=(".gif",),
        template="gankit_plugins.nextframe.template",
    ))


@gankit.hookimpl
def register_models(register) -> None:
    register(ModelSpec(
        name="nextframe",
        task="next-frame-video",
        builder="gankit_plugins.nextframe.model:NextFrame",
        description="multi-scale next-frame predictor, adversarial + l_p + gradient difference loss (Mathieu et al. 2016)",
        options={
            "image_size": Option(32, "frame size in pixels", choices=(32, 64)),
            "channels": Option(1, "1 (grayscale) or 3 (RGB)", choices=(1, 3)),
            "context": Option(4, "k: context frames the next frame is predicted from", minimum=1, maximum=16),
            "ngf": Option(32, "generator width (each scale: ngf, 2 ngf, ngf feature maps)", minimum=4),
            "ndf": Option(16, "discriminator width", minimum=4),
            "adv_weight": Option(0.05, "lambda_adv: weight of the adversarial loss (0: no GAN, the l_p baseline)", minimum=0.0),
            "lp_weight": Option(1.0, "lambda_p: weight of the l_p loss", minimum=0.0),
            "gdl_weight": Option(1.0, "lambda_gdl: weight of the gradient difference loss", minimum=0.0),
            "p": Option(1, "p of the l_p loss", choices=(1, 2)),
        },
        default_dataset="bouncing",
        default_weights=str(WEIGHTS / "bouncing"),
        train_defaults={"steps": 4000, "batch_size": 32, "lr_g": 5e-4, "lr_d": 2e-4, "sample_every": 1000},
    ))


@gankit.hookimpl
def register_datasets(register) -> None:
    register(DatasetSpec(
        "bouncing", "gankit_plugins.nextframe.data:load_bouncing",
        "1-3 balls bouncing off the walls and each other, grayscale 16-frame sequences (no download)",
        sample_type="video", defaults={"image_size": 32, "channels": 1},
    ))
    register(DatasetSpec(
        "moving-digits", "gankit_plugins.nextframe.data:load_moving_digits",
        "two built-in digits moving and bouncing in 64x64, Moving-MNIST-like 16-frame sequences (no download)",
        sample_type="video", defaults={"image_size": 64, "channels": 1},
    ))


@gankit.hookimpl
def register_metrics(register) -> None:
    horizon = {"horizon": Option(8, "frames predicted ahead; scores per horizon 1..H", minimum=1, maximum=64)}
    for name, what in (("psnr", "peak signal-to-noise ratio (dB)"), ("ssim", "structural similarity"),
                       ("sharpness", "the paper's sharpness: PSNR of image gradients (dB)")):
        register(MetricSpec(
            name, f"gankit_plugins.nextframe.quality:{name}",
            f"{what} of predicted frames vs the true future of held-out sequences, per horizon, "
            "with copy-last-frame and linear-extrapolation baselines",
            kind="samples", sample_type="video", options=horizon,
        ))
