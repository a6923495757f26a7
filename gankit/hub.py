"""The Hugging Face Hub: pull a model directory into the standard HF cache, push one as a single commit.

Everything goes through `huggingface_hub`, so the user's cache (``HF_HOME``/``HF_HUB_CACHE``), endpoint
(``HF_ENDPOINT``), token (``HF_TOKEN`` or the one saved by ``hf auth login``) and ``HF_HUB_OFFLINE`` apply
unchanged. A Hub repo is a gankit model directory (docs/hub-format.md); nothing pickled is ever fetched.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from gankit.errors import GankitError

REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
FETCHED = ["config.json", "model.safetensors", "README.md", "*.png", "*.gif", "*.jpg"]


def parse_model_id(model: str) -> tuple[str, str | None] | None:
    """``"user/repo"`` or ``"user/repo@revision"`` → (repo_id, revision); anything else → None."""
    repo_id, _, revision = str(model).partition("@")
    if not REPO_ID.match(repo_id) or ".." in repo_id:
        return None
    return repo_id, revision or None


def _explain(exc: Exception, repo_id: str, revision: str | None, action: str) -> GankitError:
    """One line for what went wrong talking to the Hub, and what to do."""
    from huggingface_hub import errors

    where = f"{repo_id}@{revision}" if revision else repo_id
    if isinstance(exc, errors.RevisionNotFoundError):
        return GankitError(f"revision {revision!r} not found in {repo_id}; check the branch, tag or commit")
    if isinstance(exc, errors.GatedRepoError):
        return GankitError(f"{repo_id} is gated: accept its conditions on the Hub, then set HF_TOKEN")
    if isinstance(exc, errors.RepositoryNotFoundError):
        return GankitError(f"repo {repo_id} not found (or private: set HF_TOKEN or run `hf auth login`)")
    if isinstance(exc, errors.LocalEntryNotFoundError):
        return GankitError(f"{where} is not in the cache and the Hub cannot be reached (offline or no network); connect and {action} again")
    if isinstance(exc, errors.HfHubHTTPError) and exc.response is not None:
        status = exc.response.status_code
        if status == 401:
            return GankitError(f"{action} {repo_id}: not logged in; set HF_TOKEN or run `hf auth login`")
        if status == 403:
            return GankitError(f"{action} {repo_id}: your token has no write access to it; use a token with write permission")
        return GankitError(f"{action} {repo_id}: the Hub answered {status}: {str(exc).splitlines()[0]}")
    first = (str(exc).strip().splitlines() or [""])[0]
    return GankitError(f"{action} {repo_id}: cannot reach the Hub ({type(exc).__name__}: {first}); check the network or HF_ENDPOINT")


def pull(repo_id: str, revision: str | None = None, token: str | None = None, force: bool = False) -> Path:
    """Download (or find in the cache) a gankit model repo and check it loads; returns its snapshot folder."""
    from huggingface_hub import HfApi, constants, errors, snapshot_download

    from gankit import __version__
    from gankit.modelio import load_model

    try:
        if not constants.HF_HUB_OFFLINE:
            try:
                _check_files(HfApi(), repo_id, revision, token)
            except (GankitError, errors.HfHubHTTPError):
                raise
            except Exception:  # noqa: BLE001 — no network: snapshot_download may still answer from the cache
                pass
        folder = Path(snapshot_download(repo_id, revision=revision, allow_patterns=FETCHED, token=token, force_download=force,
                                        library_name="gankit", library_version=__version__))
    except GankitError:
        raise
    except Exception as exc:  # noqa: BLE001 — every Hub failure becomes one line
        if revision and _is_repo_not_found(exc) and _repo_exists(repo_id, token):
            raise GankitError(f"revision {revision!r} not found in {repo_id}; check the branch, tag or commit") from None
        raise _explain(exc, repo_id, revision, "pull") from None
    try:
        load_model(folder)  # config, plugin, options, tensor names and shapes, intact file
    except GankitError as exc:
        raise GankitError(f"{exc} (pulled from {repo_id}; if the download was damaged: gankit pull {repo_id} --force)") from None
    return folder


def _is_repo_not_found(exc: Exception) -> bool:
    from huggingface_hub import errors

    return isinstance(exc, errors.RepositoryNotFoundError) and not isinstance(exc, errors.RevisionNotFoundError)


def _repo_exists(repo_id: str, token: str | None) -> bool:
    """Some servers (mirrors) answer "repo not found" for a missing revision: ask about the default branch."""
    from huggingface_hub import HfApi

    try:
        HfApi().model_info(repo_id, revision="main", token=token)
        return True
    except Exception:  # noqa: BLE001 — any failure means we cannot tell
        return False


def _check_files(api, repo_id: str, revision: str | None, token: str | None) -> None:
    """Refuse repos that are not gankit models, or that offer only pickled weights, before downloading."""
    info = api.model_info(repo_id, revision=revision or "main", token=token)  # one request, no retry loop
    files = [s.rfilename for s in info.siblings or []]
    from gankit.modelio import refuse_pickled

    if "model.safetensors" not in files:
        refuse_pickled(repo_id, files)
        raise GankitError(f"{repo_id} has no model.safetensors; it is not a gankit model repo")
    if "config.json" not in files:
        raise GankitError(f"{repo_id} has no config.json; it is not a gankit model repo")


def push(folder: str | Path, repo_id: str, private: bool = False, branch: str | None = None, message: str | None = None,
         include_discriminator: bool = True, token: str | None = None) -> str:
    """Upload a model directory as one commit (creating the repo and branch if needed); returns the commit URL."""
    from huggingface_hub import CommitOperationAdd, HfApi

    from gankit.modelcard import render_card
    from gankit.modelio import CARD_NAME, CONFIG_NAME, SAMPLES_NAME, WEIGHTS_NAME, load_model, read_config

    folder = Path(folder)
    if parse_model_id(repo_id) is None or "@" in repo_id:
        raise GankitError(f"{repo_id!r} is not a Hub repo id; use user/name (use --revision for a branch)")
    from gankit.space import is_space

    if is_space(folder):
        return _push_space(folder, repo_id, private, branch, message, token)
    config = read_config(folder)
    model, _, _ = load_model(folder)  # refuse to publish what would not load
    api = HfApi(token=token)
    with tempfile.TemporaryDirectory() as tmp:
        weights = folder / WEIGHTS_NAME
        if not include_discriminator:
            weights = _generator_only(weights, Path(tmp) / WEIGHTS_NAME)
        card = render_card(config, model.parameter_counts(), has_samples=(folder / SAMPLES_NAME).is_file(), ref=repo_id)
        operations = [
            CommitOperationAdd(CONFIG_NAME, str(folder / CONFIG_NAME)),
            CommitOperationAdd(WEIGHTS_NAME, str(weights)),
            CommitOperationAdd(CARD_NAME, card.encode()),
        ]
        if (folder / SAMPLES_NAME).is_file():
            operations.append(CommitOperationAdd(SAMPLES_NAME, str(folder / SAMPLES_NAME)))
        return _commit(api, repo_id, operations, private, branch, message or f"Upload {config['model']} model with gankit")


def _push_space(folder: Path, repo_id: str, private: bool, branch: str | None, message: str | None,
                token: str | None) -> str:
    """Upload a folder written by `gankit space` as a Gradio Space, one commit; returns the commit URL."""
    from huggingface_hub import CommitOperationAdd, HfApi

    files = sorted(p for p in folder.rglob("*") if p.is_file() and ".git" not in p.parts)
    operations = [CommitOperationAdd(p.relative_to(folder).as_posix(), str(p)) for p in files]
    return _commit(HfApi(token=token), repo_id, operations, private, branch, message or "Upload gankit playground",
                   repo_type="space", space_sdk="gradio")


def _commit(api, repo_id: str, operations: list, private: bool, branch: str | None, message: str,
            repo_type: str = "model", **create: Any) -> str:
    """Create the repo (and branch) if needed and commit `operations` in one go; returns the commit URL."""
    try:
        api.create_repo(repo_id, repo_type=repo_type, private=private, exist_ok=True, **create)
        if branch:
            api.create_branch(repo_id, branch=branch, repo_type=repo_type, exist_ok=True)
        info = api.create_commit(repo_id, operations, commit_message=message, revision=branch, repo_type=repo_type)
    except Exception as exc:  # noqa: BLE001 — every Hub failure becomes one line
        raise _explain(exc, repo_id, branch, "push to") from None
    return info.commit_url


def _generator_only(source: Path, target: Path) -> Path:
    from safetensors import safe_open
    from safetensors.torch import save_file

    with safe_open(str(source), framework="pt") as fh:
        tensors = {k: fh.get_tensor(k) for k in fh.keys() if k.startswith("generator.")}
        metadata = fh.metadata()
    save_file(tensors, str(target), metadata=metadata)
    return target


def describe(model) -> str:
    """One line for `gankit pull`: model, task, parameters, revision (the snapshot folder is the commit)."""
    params = model.gan.parameter_counts()
    return (f"{model.spec.name} from plugin {model.spec.plugin} ({model.task}), generator {params['generator']:,} / discriminator "
            f"{params['discriminator']:,} parameters, revision {model.path.name[:12]}")
