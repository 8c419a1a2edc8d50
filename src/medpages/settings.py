"""Every project setting in one typed object: `medpages.toml`, overridden by `MEDPAGES_<SECTION>_<KEY>`.

`load_settings(table, path)` validates the whole of it when a project is loaded; a bad value is an
`InputError` naming the key, where the value came from (the file and `[section] key`, or the
environment variable) and why. `configuration_reference()` renders docs/configuration.md from the
declarations below, so the documentation cannot drift from the code.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from medpages.errors import InputError

ENV_PREFIX = "MEDPAGES_"
# MEDPAGES_* variables that are not keys of medpages.toml: the drafting providers read them as
# their own fallbacks (see docs/drafting.md), so they are not typos.
PROVIDER_VARIABLES = frozenset({"MEDPAGES_DRAFT_PROVIDER", "MEDPAGES_DRAFT_STRUCTURED"})


class _Table(BaseModel):
    """A table of medpages.toml: its keys are declared, an unknown one is an error, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- the sections


class DatabaseSettings(_Table):
    """Where the catalogue, pages, labels and findings are stored."""

    url: str = Field("sqlite:///medpages.sqlite3", description=(
        "SQLAlchemy URL of the database. A relative SQLite path is relative to the project folder; "
        "PostgreSQL: `postgresql+psycopg://user:password@host/db` (`pip install -e '.[postgres]'`)."))


class JekyllSettings(_Table):
    """The Jekyll Markdown tree `medpages build` writes."""

    dir: str = Field("jekyll", description="Folder of the Jekyll tree, relative to the project folder.")


class SiteSettings(_Table):
    """The static HTML site `medpages build` writes."""

    dir: str = Field("site", description="Folder of the HTML site, relative to the project folder.")
    base_url: str = Field("", description=(
        "Where the site will be served, e.g. `https://medicines.example.org`. Canonical links, "
        "OpenGraph and sitemap.xml need it absolute; empty: links relative to `/`."))
    edit_url: str = Field("", description=(
        "The web app's \"suggest an edit\" address; `{slug}` and `{section}` are filled in. "
        "Empty: no edit links."))
    name: str = Field("Medicine information", description="The site's name, in every page's title and header. "
                                                          "Empty: the default.")

    @field_validator("name", mode="after")
    @classmethod
    def _empty_name_is_the_default(cls, value: str) -> str:
        return value.strip() or cls.model_fields["name"].default


class ModelPrice(_Table):
    """What a model costs, in US dollars per million tokens."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    batch_input: float | None = Field(None, ge=0)  # through the batch API; unset: half of `input`
    batch_output: float | None = Field(None, ge=0)


Structured = Literal["json_schema", "json_object", "none"]
_STRUCTURED = "Structured output: `json_schema` (strict schema), `json_object`, or `none` for servers without it. " \
              "Unset: MEDPAGES_DRAFT_STRUCTURED, else `json_schema`."
_TABLE_MODEL = "The model when neither `--model` nor `[draft] model` names one."


class OpenAISettings(_Table):
    """The `openai` backend: OpenAI, or any OpenAI-compatible server (llama.cpp, vLLM, LM Studio, Azure)."""

    model: str | None = Field(None, description=_TABLE_MODEL + " Unset: `gpt-4o-mini`.")
    base_url: str | None = Field(None, description=(
        "The API's address. Unset: OPENAI_BASE_URL, else `https://api.openai.com/v1`."))
    api_key: str | None = Field(None, repr=False, description=(
        "The API key. Unset: OPENAI_API_KEY (the environment is the better place for a key)."))
    structured: Structured | None = Field(None, description=_STRUCTURED)
    api_version: str | None = Field(None, description="Azure OpenAI's `api-version`. Unset: OPENAI_API_VERSION.")
    max_tokens_field: str | None = Field(None, description=(
        "The request field limiting the answer's length. Unset: `max_completion_tokens` for "
        "api.openai.com, `max_tokens` elsewhere."))


class OllamaSettings(_Table):
    """The `ollama` backend: a local Ollama server through its OpenAI-compatible endpoint."""

    model: str | None = Field(None, description=_TABLE_MODEL + " The ollama backend needs one.")
    base_url: str | None = Field(None, description=(
        "The server's OpenAI-compatible address. Unset: OLLAMA_HOST + `/v1`, else `http://localhost:11434/v1`."))
    api_key: str | None = Field(None, repr=False, description="An API key, for a server behind a proxy. Unset: none.")
    structured: Structured | None = Field(None, description=_STRUCTURED)


class GeminiSettings(_Table):
    """The `gemini` backend: the Gemini API with a key, or Vertex AI without one."""

    model: str | None = Field(None, description=_TABLE_MODEL + " Unset: `gemini-2.5-flash`.")
    api_key: str | None = Field(None, repr=False, description=(
        "The Gemini API key. Unset: GEMINI_API_KEY, else GOOGLE_API_KEY; with none, Vertex AI is used."))
    vertex: bool | None = Field(None, description=(
        "Use Vertex AI even when a key is set. Unset: GOOGLE_GENAI_USE_VERTEXAI."))
    project: str | None = Field(None, description="Vertex AI: the Google Cloud project. Unset: GOOGLE_CLOUD_PROJECT.")
    location: str | None = Field(None, description=(
        "Vertex AI: the region. Unset: GOOGLE_CLOUD_LOCATION, else `us-central1`."))
    access_token: str | None = Field(None, repr=False, description=(
        "Vertex AI: an OAuth access token. Unset: GOOGLE_OAUTH_ACCESS_TOKEN, else `gcloud auth print-access-token`."))
    base_url: str | None = Field(None, description="Another address for the API: a proxy or a test server.")


class VertexSettings(_Table):
    """The `vertex` backend: Gemini on Vertex AI even when a Gemini API key is set."""

    model: str | None = Field(None, description=_TABLE_MODEL + " Unset: `gemini-2.5-flash`.")
    project: str | None = GeminiSettings.model_fields["project"]
    location: str | None = GeminiSettings.model_fields["location"]
    access_token: str | None = GeminiSettings.model_fields["access_token"]
    base_url: str | None = GeminiSettings.model_fields["base_url"]


class DraftSettings(_Table):
    """How `medpages generate` drafts: the backend, its model and limits, prices, and each provider's settings.

    `--backend`, `--model`, `--concurrency`, `--rpm` and `--tpm` win over these keys."""

    backend: str | None = Field(None, description=(
        "`reference` (offline, from the labels), `openai`, `ollama`, `gemini` or `vertex`. Unset: the "
        "provider the environment configures (OPENAI_API_KEY, GEMINI_API_KEY...), else `reference`."))
    model: str | None = Field(None, description="The model to draft with. Unset: the backend's table, else its default.")
    concurrency: int = Field(8, ge=1, description="Requests in flight at once.")
    rpm: float | None = Field(None, gt=0, description=(
        "Requests per minute at most. Unset: just under the limit the provider states in its rate-limit "
        "headers, or, when it states none, the one its 429 answers show."))
    tpm: float | None = Field(None, gt=0, description="Tokens per minute at most. Unset: no token limit.")
    prices: dict[str, ModelPrice] = Field(default_factory=dict, description=(
        "Prices by model name (USD per million tokens): `{ input = 0.15, output = 0.6 }`, optionally "
        "`batch_input` and `batch_output`. Added to, and winning over, the built-in table "
        "(medpages/draft/pricing.py). In the environment: JSON."))
    openai: OpenAISettings = Field(default_factory=OpenAISettings)
    ollama: OllamaSettings = Field(default_factory=OllamaSettings)
    gemini: GeminiSettings = Field(default_factory=GeminiSettings)
    vertex: VertexSettings = Field(default_factory=VertexSettings)

    def provider_settings(self, backend: str) -> dict[str, Any]:
        """The explicit settings of a provider, for `get_provider(settings=...)`: the keys that are set."""
        table = getattr(self, backend, None)
        return table.model_dump(exclude_none=True) if isinstance(table, _Table) else {}


class CheckSettings(_Table):
    """Thresholds of the checks (`medpages check`, and every new draft). The defaults suit pages written for patients."""

    readability_grade: float = Field(9.0, gt=0, description="Flesch-Kincaid grade above which a section is flagged "
                                                            "as hard to read.")
    readability_min_words: int = Field(40, ge=1, description=(
        "Sections with fewer words are not graded: the formula is noise on a line or two."))
    long_sentence_words: int = Field(30, ge=5, description="Sentences with more words than this are flagged.")
    long_sentence_severity: Literal["info", "warning"] = Field("info", description="How a long sentence is flagged.")
    use_support_share: float = Field(0.5, gt=0, le=1, description=(
        "A Usage statement is supported when at least this share of its content words is found in "
        "the label's indications (after the lay lexicon is applied)."))


class NamesSettings(_Table):
    """Which name a page shows as the generic (its Generic Name line); the others follow as "also known as"."""

    prefer: Literal["as-listed", "inn", "us"] = Field("as-listed", description=(
        "`as-listed`: the name the catalogue list used (`Paracetamol`, `Co-amoxiclav`; a listed brand shows "
        "the INN); `inn`: the International Nonproprietary Name (`Paracetamol`, `Salbutamol`); `us`: the US "
        "name (`Acetaminophen`, `Albuterol`)."))


class PublishSettings(_Table):
    """What `medpages build` publishes."""

    only_reviewed: bool = Field(False, description=(
        "`true`: publish only pages a person reviewed (their newest reviewed revision); other pages are "
        "left out of the site and the Jekyll tree. `false`: reviewed pages as reviewed, every other page "
        "with its honest \"not yet reviewed\" badge."))


class WebSettings(_Table):
    """The review web app (`medpages serve`)."""

    host: str = Field("127.0.0.1", description="The address to listen on; `0.0.0.0` for every interface.")
    port: int = Field(8000, ge=0, le=65535, description="The port (0: any free port).")
    workers: int = Field(1, ge=1, le=64, description="Server processes; they share sessions and limits "
                                                     "through the database.")
    suggestions_per_hour: int = Field(10, ge=1, description="Suggestions one address may send per hour.")
    logins_per_hour: int = Field(20, ge=1, description="Sign-in attempts one address may make per hour (each counts, so guessing stops at the limit).")
    max_body_kb: int = Field(256, ge=16, description="The largest request body accepted, in KB.")
    session_hours: float = Field(12, gt=0, description="How long a sign-in lasts.")
    trusted_proxy: bool = Field(False, description=(
        "`true` when the app runs behind a reverse proxy: the client address and scheme are read "
        "from X-Forwarded-For / X-Forwarded-Proto (never trust them otherwise)."))


# --------------------------------------------------------------------------- the whole


class Settings(BaseSettings):
    """All of a project's settings. Read them as `project.settings.checks.readability_grade`."""

    model_config = SettingsConfigDict(extra="forbid", frozen=True)

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    jekyll: JekyllSettings = Field(default_factory=JekyllSettings)
    site: SiteSettings = Field(default_factory=SiteSettings)
    draft: DraftSettings = Field(default_factory=DraftSettings)
    checks: CheckSettings = Field(default_factory=CheckSettings)
    names: NamesSettings = Field(default_factory=NamesSettings)
    publish: PublishSettings = Field(default_factory=PublishSettings)
    web: WebSettings = Field(default_factory=WebSettings)

    _file: Path | None = PrivateAttr(None)
    _file_values: dict[str, Any] = PrivateAttr(default_factory=dict)

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                   file_secret_settings) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment over medpages.toml (passed in as the init values) over the defaults;
        # no .env file and no secrets folder.
        return _EnvironmentSource(settings_cls), init_settings

    def origin(self, *path: str) -> str:
        """Where a setting's value comes from, in words: `MEDPAGES_DRAFT_BACKEND`,
        `medpages.toml [draft] backend`, or `the default`."""
        key = _KEYS_BY_PATH[path]
        if key.variable in os.environ:
            return key.variable
        if _lookup(self._file_values, path) is not _ABSENT:
            return f"{self._file.name if self._file else 'medpages.toml'} {key.toml}"
        return "the default"


@dataclass(frozen=True)
class SettingKey:
    """One key: its path (`("draft", "openai", "base_url")`), its declaration and its environment variable."""

    path: tuple[str, ...]
    field: Any  # pydantic FieldInfo

    @property
    def variable(self) -> str:
        return ENV_PREFIX + "_".join(self.path).upper()

    @property
    def toml(self) -> str:
        return _toml_location(self.path)


def setting_keys() -> Iterator[SettingKey]:
    """Every key of every section, in declaration order (a provider's table inside [draft])."""

    def walk(model: type[BaseModel], prefix: tuple[str, ...]) -> Iterator[SettingKey]:
        for name, info in model.model_fields.items():
            if isinstance(info.annotation, type) and issubclass(info.annotation, _Table):
                yield from walk(info.annotation, (*prefix, name))
            else:
                yield SettingKey((*prefix, name), info)

    yield from walk(Settings, ())


_KEYS_BY_PATH = {key.path: key for key in setting_keys()}
_KEYS_BY_VARIABLE = {key.variable: key for key in _KEYS_BY_PATH.values()}
_SECTIONS = tuple(Settings.model_fields)
_ABSENT = object()


class _EnvironmentSource(PydanticBaseSettingsSource):
    """`MEDPAGES_<SECTION>_<KEY>` for every declared key; a provider's key is `MEDPAGES_DRAFT_<PROVIDER>_<KEY>`.

    Names are matched exactly against the declared keys (not split on `_`, which keys contain too).
    A table-valued key (`[draft] prices`) is given as JSON."""

    def get_field_value(self, field, field_name):  # the whole environment is read at once in __call__
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for variable, key in _KEYS_BY_VARIABLE.items():
            raw = os.environ.get(variable)
            if raw is None:
                continue
            value: Any = raw
            if get_origin(key.field.annotation) is dict:
                try:
                    value = json.loads(raw)
                except ValueError:
                    pass  # validation then says it is not a table, naming the variable
            *tables, name = key.path
            target = values
            for table in tables:
                target = target.setdefault(table, {})
            target[name] = value
        return values


def load_settings(table: Mapping[str, Any], path: Path | None = None) -> Settings:
    """The settings of a project from its parsed `medpages.toml` (`path`, named in messages) and the
    environment, validated: an `InputError` names each bad key, its origin and the reason."""
    _refuse_unknown_variables()
    try:
        settings = Settings(**dict(table))
    except ValidationError as error:
        problems = [_describe(problem, path) for problem in error.errors()]
        if len(problems) == 1:
            message, source = problems[0]
            raise InputError(message, source=source) from None
        raise InputError("bad settings:\n" + "\n".join(f"  {source}: {message}" for message, source in problems)) from None
    settings._file = path
    settings._file_values = dict(table)
    return settings


def _refuse_unknown_variables() -> None:
    """A misspelt MEDPAGES_<SECTION>_<KEY> would be ignored without a word: say so instead."""
    prefixes = tuple(f"{ENV_PREFIX}{section.upper()}_" for section in _SECTIONS)
    for variable in sorted(os.environ):
        if variable.startswith(prefixes) and variable not in _KEYS_BY_VARIABLE and variable not in PROVIDER_VARIABLES:
            section = variable[len(ENV_PREFIX):].split("_", 1)[0].lower()
            known = [v for v in _KEYS_BY_VARIABLE if v.startswith(f"{ENV_PREFIX}{section.upper()}_")]
            raise InputError(f"no such setting{_did_you_mean(variable, known)}; the [{section}] variables are "
                             + ", ".join(known), source=variable)


def _describe(problem: Mapping[str, Any], path: Path | None) -> tuple[str, str]:
    """(what is wrong, where the value came from) for one of pydantic's validation errors."""
    loc = tuple(str(part) for part in problem["loc"])
    key = next((_KEYS_BY_PATH[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in _KEYS_BY_PATH), None)
    if key is not None and key.variable in os.environ:
        inner = ".".join(loc[len(key.path):])
        return (f"{inner}: " if inner else "") + _reason(problem), key.variable
    file = str(path) if path else "medpages.toml"
    if problem["type"] == "extra_forbidden":
        return _unknown(loc), file
    return f"{_toml_location(loc)}: {_reason(problem)}", file


def _unknown(loc: tuple[str, ...]) -> str:
    if len(loc) == 1:
        return f"unknown section [{loc[0]}]{_did_you_mean(loc[0], _SECTIONS)}; the sections are " + \
            ", ".join(f"[{section}]" for section in _SECTIONS)
    known = _known_keys(loc[:-1])
    return f"{_toml_location(loc)}: unknown key{_did_you_mean(loc[-1], known)}; the keys of " \
           f"[{'.'.join(loc[:-1])}] are " + ", ".join(known)


def _known_keys(table: tuple[str, ...]) -> list[str]:
    """The declared keys of a table, e.g. ("draft", "openai") or ("draft", "prices", "my-model")."""
    model: Any = Settings
    entries_of: Any = None  # the value type of a table of entries ([draft.prices]): the next part is an entry's name
    for part in table:
        if entries_of is not None:
            model, entries_of = entries_of, None
            continue
        info = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if info is None:
            return []
        model = info.annotation
        if get_origin(model) is dict:
            entries_of = get_args(model)[1]
    return list(model.model_fields) if isinstance(model, type) and issubclass(model, BaseModel) else []


def _did_you_mean(word: str, known) -> str:
    close = difflib.get_close_matches(word, list(known), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def _reason(problem: Mapping[str, Any]) -> str:
    """Pydantic's complaint in a publisher's words: `'abc' is not a number`, `must be at least 1 (got 0)`."""
    kind, ctx = problem["type"], problem.get("ctx") or {}
    value = repr(problem.get("input"))
    value = value if len(value) <= 80 else value[:77] + "..."
    if kind in ("float_parsing", "float_type"):
        return f"{value} is not a number"
    if kind in ("int_parsing", "int_type", "int_from_float", "int_parsing_size"):
        return f"{value} is not a whole number"
    if kind in ("bool_parsing", "bool_type"):
        return f"{value} is not true or false"
    if kind == "string_type":
        return f"{value} is not text"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"{value} is not a table"
    if kind == "missing":
        return "is missing"
    bounds = {"greater_than_equal": ("at least", "ge"), "greater_than": ("more than", "gt"),
              "less_than_equal": ("at most", "le"), "less_than": ("less than", "lt")}
    if kind in bounds:
        words, name = bounds[kind]
        bound = ctx[name]
        bound = int(bound) if isinstance(bound, float) and bound.is_integer() else bound
        return f"must be {words} {bound} (got {value})"
    if kind == "literal_error":
        return f"must be {ctx['expected']} (got {value})"
    message = str(problem["msg"])
    return f"{message[:1].lower()}{message[1:]} (got {value})"


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_location(path: tuple[str, ...]) -> str:
    """`[draft.openai] base_url` for ("draft", "openai", "base_url"); `[foo]` for a section alone."""
    parts = [part if _BARE_KEY.match(part) else json.dumps(part) for part in path]
    if len(parts) == 1:
        return f"[{parts[0]}]"
    return f"[{'.'.join(parts[:-1])}] {parts[-1]}"


def _lookup(table: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(table, Mapping) or part not in table:
            return _ABSENT
        table = table[part]
    return table


# --------------------------------------------------------------------------- the reference


def configuration_reference() -> str:
    """docs/configuration.md: every key with its type, default, environment variable and purpose."""
    lines = [
        "# Configuration",
        "",
        "<!-- Generated from src/medpages/settings.py by configuration_reference(); do not edit by hand.",
        "     Regenerate: python -m medpages.settings > docs/configuration.md -->",
        "",
        "A project's settings live in `medpages.toml` in the project folder (`medpages init` writes one).",
        "Each key can be overridden by an environment variable `MEDPAGES_<SECTION>_<KEY>`; a key of a",
        "provider's table `[draft.<provider>]` by `MEDPAGES_DRAFT_<PROVIDER>_<KEY>`. The order, first wins:",
        "",
        "1. the command-line option, where there is one (`--backend`, `--model`, `--concurrency`, `--rpm`, `--tpm`);",
        "2. the environment variable `MEDPAGES_...`;",
        "3. `medpages.toml`;",
        "4. for a provider's key, that provider's usual environment variable (`OPENAI_API_KEY`,",
        "   `OPENAI_BASE_URL`, `GEMINI_API_KEY`, `GOOGLE_CLOUD_PROJECT`...), named in the key's description;",
        "5. the default.",
        "",
        "Every value is checked when a command loads the project: a value of the wrong type or out of",
        "range, an unknown key or section in `medpages.toml`, and an unknown `MEDPAGES_<SECTION>_...`",
        "variable stop the command with a message naming the key and where the value came from.",
        "`MEDPAGES_DRAFT_PROVIDER` and `MEDPAGES_DRAFT_STRUCTURED` are not keys: the providers read them",
        "as fallbacks (see [drafting.md](drafting.md)).",
        "",
    ]
    sections: dict[tuple[str, ...], list[SettingKey]] = {}
    for key in setting_keys():
        sections.setdefault(key.path[:-1], []).append(key)
    for table, keys in sections.items():
        model: Any = Settings
        for part in table:
            model = model.model_fields[part].annotation
        lines += [f"## [{'.'.join(table)}]", "", _docstring(model), "",
                  "| key | type | default | environment variable | what it does |", "|---|---|---|---|---|"]
        for key in keys:
            info = key.field
            lines.append(f"| `{key.path[-1]}` | {_type_words(info.annotation)} | {_default_words(info)} "
                         f"| `{key.variable}` | {(info.description or '').replace('|', '&#124;')} |")
        lines.append("")
    return "\n".join(lines)


def _docstring(model: Any) -> str:
    return " ".join(line.strip() for line in (model.__doc__ or "").strip().splitlines() if line.strip())


def _type_words(annotation: Any) -> str:
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (Union, types.UnionType):
        return " or ".join(_type_words(arg) for arg in args if arg is not type(None))
    if origin is Literal:
        return " or ".join(f"`{arg}`" for arg in args)
    if origin is dict:
        fields = ", ".join(args[1].model_fields)
        return f"table of model name → {{{fields}}}"
    return {str: "text", int: "integer", float: "number", bool: "true or false"}.get(annotation, str(annotation))


def _default_words(info: Any) -> str:
    default = info.get_default(call_default_factory=True)
    if default is None:
        return "unset"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    if isinstance(default, str):
        return f"`{json.dumps(default)}`"
    if isinstance(default, dict):
        return "`{}`"
    return f"`{default}`"


if __name__ == "__main__":
    print(configuration_reference(), end="")
