"""The ``gankit`` group, the one-line error handling of `main`, and what commands on a MODEL share.

Nothing heavy is imported at start-up: torch is loaded inside the commands that need it, so
``gankit --help`` and ``gankit plugins`` stay fast.
"""

from __future__ import annotations

import inspect
import sys
from typing import Any

import click

from gankit.errors import GankitError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="gankit")
def cli() -> None:
    """Train, sample and share generative adversarial networks."""


# -- MODEL arguments and the options their task brings ------------------------------------------
class ModelCommand(click.Command):
    """A command whose first argument is a MODEL; `extra_params(model)` adds the options that MODEL brings
    (its task's inputs and writer options, or its training defaults), so ``gankit run MODEL --help`` lists them."""

    def __init__(self, *args: Any, extra_params=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.extra_params = extra_params or (lambda model: [])

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        model = self._model_argument(ctx, args)
        key = f"gankit.extra.{self.name}"  # ctx.meta is shared with the parent context
        try:
            ctx.meta[key] = self.extra_params(model)
        except GankitError:
            if not any(a in ("-h", "--help") for a in args):
                raise  # an unknown MODEL is the error to report, not the options it would have had
            ctx.meta[key] = self.extra_params(None)
        return super().parse_args(ctx, args)

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        key = f"gankit.extra.{self.name}"
        if key not in ctx.meta:
            ctx.meta[key] = self.extra_params(None)
        params = super().get_params(ctx)
        return [*params[:-1], *ctx.meta[key], params[-1]]  # --help stays last

    def _model_argument(self, ctx: click.Context, args: list[str]) -> str | None:
        """The first positional argument, skipping the values of the command's own options."""
        takes_value = {name for p in super().get_params(ctx) if isinstance(p, click.Option) and not p.is_flag
                       for name in p.opts}
        skip = False
        for arg in args:
            if skip:
                skip = False
            elif arg == "--":
                continue
            elif arg.startswith("-"):
                skip = arg in takes_value
            else:
                return arg
        return None


MODEL_HELP = ("MODEL is a registered model name (its bundled weights), a model or run directory, or a Hub repo id "
              "(user/name or user/name@revision).")


def model_command(extra_params=None, **kwargs: Any):
    """``@cli.command`` for commands on a MODEL: the MODEL argument and its help paragraph, in one place."""
    def decorate(fn):
        fn.__doc__ = inspect.cleandoc(fn.__doc__ or "") + "\n\n" + MODEL_HELP  # dedented, as click would
        fn = click.argument("model")(fn)
        return cli.command(cls=ModelCommand, extra_params=extra_params, **kwargs)(fn)

    return decorate


def click_option(name: str, option, **kwargs: Any) -> click.Option:
    """A click option from a declared `gankit.specs.Option` (writer options, plugin-declared knobs)."""
    flag = "--" + name.replace("_", "-")
    if option.type is bool:
        return click.Option([f"{flag}/--no-{flag[2:]}", name], default=option.default, show_default=True, help=option.help, **kwargs)
    return click.Option([flag, name], type=option.type, default=option.default, show_default=True, help=option.help, **kwargs)


def load_model(model: str, device: str):
    from gankit.api import load

    return load(model, device=device)


device_option = click.option("--device", default="auto", show_default=True, help="cpu, cuda, cuda:N or auto.")
truncation_option = click.option("--truncation", type=float, default=1.0, show_default=True,
                                 help="Pull latents towards the mean (0 < psi <= 1): less variety, higher fidelity.")
# -- entry point -------------------------------------------------------------------------------
def _add_plugin_commands() -> None:
    from gankit.registry import get_registry

    registry = get_registry()
    registry.collect()  # first, so that a broken command is not forgotten by a later collection
    for impl in registry.pm.hook.register_commands.get_hookimpls():
        info = registry.plugins[impl.plugin_name]
        before = dict(cli.commands)
        try:
            impl.function(cli=cli)
        except Exception as exc:  # a broken plugin must not break the CLI
            info.broken(f"register_commands failed: {type(exc).__name__}: {exc}")
            continue
        for name in [n for n in before if cli.commands[n] is not before[n]]:  # never replace an existing command
            cli.commands[name] = before[name]
            info.broken(f"command {name!r} already exists; rename the plugin's command")
        info.commands.extend(sorted(set(cli.commands) - set(before)))


def main(argv: list[str] | None = None) -> None:
    """Console entry point: one-line errors, warnings and exit codes instead of tracebacks."""
    import warnings

    warnings.showwarning = lambda message, *_, **__: click.echo(f"warning: {message}", err=True)
    try:
        _add_plugin_commands()
        argv = sys.argv[1:] if argv is None else argv
        cli.main(args=argv, prog_name="gankit", standalone_mode=False, obj={"argv": argv})
    except GankitError as exc:
        # an error raised in a data-loader worker arrives wrapped in a traceback: keep its last line
        message = str(exc).strip().splitlines()[-1].removeprefix("gankit.errors.GankitError: ")
        click.echo(f"error: {message}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.UsageError as exc:  # one line too, naming the help that lists what is accepted
        where = exc.ctx.command_path if exc.ctx else "gankit"
        click.echo(f"error: {exc.format_message()} (see '{where} --help')", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except OSError as exc:  # a file or folder the checks did not foresee (full disk, permissions, …): still one line
        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(f"error: {where}{exc.strerror or exc}; check the path and free space, then try again", err=True)
        sys.exit(1)


