"""Registers the ``cgan`` model and its task with gankit. Cheap to import: the networks load only when a model is built."""

import gankit
from gankit.builtin import IMAGE_PREVIEW, IMAGE_WRITERS
from gankit.specs import Input, ModelSpec, Option, TaskSpec


@gankit.hookimpl
def register_tasks(register):
    register(
        TaskSpec(
            name="class-conditional-image",
            description="images of a chosen class",
            inputs={"label": Input("int", "class of every sample (default: seed modulo the number of classes)",
                                   minimum=0, interpolate=True)},
            writers=IMAGE_WRITERS,  # images are written and previewed as gankit's own image task does it
            preview=IMAGE_PREVIEW,
            sample_type="image",
            pipeline_tag="unconditional-image-generation",
            augment=True,
            channels_last=True,
        )
    )


@gankit.hookimpl
def register_models(register):
    register(
        ModelSpec(
            name="cgan",
            task="class-conditional-image",
            builder="gankit_cgan.model:ConditionalGAN",
            description="class-conditional GAN (Mirza & Osindero 2014) with a projection discriminator",
            options={
                "image_size": Option(32, "output size; 32 only", choices=(32,)),
                "channels": Option(1, "1 (grayscale) or 3 (RGB)", choices=(1, 3)),
                "latent_dim": Option(64, "size of the normal latent z", minimum=1),
                "classes": Option(10, "number of classes (labels 0..classes-1)", minimum=2),
                "width": Option(32, "network width", minimum=4),
            },
            default_dataset="digits",
            train_defaults={"steps": 2000, "batch_size": 64},
        )
    )
