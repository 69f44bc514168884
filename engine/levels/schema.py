"""Pydantic models of level format v1 (level-format.md): every key, range and cross-field rule.

The models validate the plain data that engine.levels.yaml_reader reads, and `level_json_schema()`
gives editors the same rules. They are strict: text is never read as a number, true is
never read as 1, unknown keys are errors, and a key written with no value is an error
rather than a silent default.

A rule that involves several keys raises `RuleError`, which names the key to fix below the
validated model, so that the loader can point at the right line.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from engine.levels.limbs import LIMBS
from engine.timing.tempo_map import beats_lasting

FORMAT_VERSION = 1
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
TAP_PATTERN = r"^[x.]*x[x.]*$"
LANGUAGE_PATTERN = r"^[a-z]{2}$"  # ISO 639-1, as the game's language setting names them

Theme = Literal["pond", "space", "parade"]
VisualCue = Literal["full", "fade", "none"]
Adjustable = Literal["window", "tempo", "visual_cue"]
Limb = Literal[LIMBS]

# Pydantic names the branch of the `limb` union in error locations; the loader drops these.
ONE_LIMB_TAG = "one limb"
LIMB_LIST_TAG = "limb list"
UNION_TAGS = frozenset({ONE_LIMB_TAG, LIMB_LIST_TAG})

KeyPath = tuple[str | int, ...]


class RuleError(ValueError):
    """Broken cross-field rules, each as (key path below the validated model, what to fix).

    Pydantic keeps one error per validator; carrying every breach lets the loader report
    them all, each at its own line.
    """

    def __init__(self, breaches: list[tuple[KeyPath, str]]) -> None:
        self.breaches = tuple(breaches)
        super().__init__("; ".join(what for _, what in self.breaches))


class _LevelModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_empty_value(cls, value: Any, info: ValidationInfo) -> Any:
        # `instruction:` with nothing after it is more likely a slip than a wish for the
        # default, and the default is one deleted line away.
        if value is None:
            if info.field_name and cls.model_fields[info.field_name].is_required():
                raise PydanticCustomError("empty_value", "has no value; write one after the colon")
            raise PydanticCustomError(
                "empty_value", "has no value; write one, or remove the key to use the default"
            )
        return value


def _ordered_pair(pair: list[float], what: str) -> list[float]:
    if pair[0] > pair[1]:
        raise RuleError([((1,), what)])
    return pair


class WindowsSpec(_LevelModel):
    """Half-widths of the judgement windows in ms around each beat, 1 ≤ sro < good < ok ≤ 500."""

    sro: float = Field(15.0, ge=1, le=500, description='"Super right on" half-width in ms.')
    good: float = Field(45.0, ge=1, le=500, description="A tap within this many ms is a hit.")
    ok: float = Field(
        100.0, ge=1, le=500, description='Beyond this many ms a tap paired with a beat is "off".'
    )

    @model_validator(mode="after")
    def _widths_grow(self) -> WindowsSpec:
        breaches = []
        for narrow, wide in (("sro", "good"), ("good", "ok")):
            narrow_ms, wide_ms = getattr(self, narrow), getattr(self, wide)
            if narrow_ms < wide_ms:
                continue
            # Blame a key the therapist wrote, not one left at its default.
            if wide in self.model_fields_set:
                breaches.append(((wide,), f"must be wider than {narrow} ({narrow_ms:g} ms)"))
            else:
                what = f"must be narrower than {wide} ({wide_ms:g} ms by default)"
                breaches.append(((narrow,), what))
        if breaches:
            raise RuleError(breaches)
        return self


class AdaptiveSpec(_LevelModel):
    """Makes a training level adapt its difficulty; absent for fixed levels and assessments."""

    target: float = Field(0.8, ge=0.5, le=0.95, description="Success rate to aim for.")
    adjust: list[Adjustable] = Field(
        ["window"],
        min_length=1,
        description="What the difficulty controller may change, each at most once.",
        json_schema_extra={"uniqueItems": True},
    )
    tempo_bpm: list[Annotated[float, Field(ge=20, le=240)]] | None = Field(
        None,
        min_length=2,
        max_length=2,
        description="[slowest, fastest] tempo in bpm when adjusting tempo; holds tempo_bpm.",
        examples=[[45, 90]],
    )
    window_ms: list[Annotated[float, Field(ge=1, le=500)]] | None = Field(
        None,
        min_length=2,
        max_length=2,
        description="[narrowest, widest] `good` window in ms when adjusting windows.",
        examples=[[15, 100]],
    )

    @field_validator("adjust")
    @classmethod
    def _adjust_each_once(cls, adjust: list[str]) -> list[str]:
        breaches: list[tuple[KeyPath, str]] = [
            ((index,), f"'{name}' is already listed; remove it")
            for index, name in enumerate(adjust)
            if name in adjust[:index]
        ]
        if breaches:
            raise RuleError(breaches)
        return adjust

    @field_validator("tempo_bpm")
    @classmethod
    def _tempo_bounds_ordered(cls, bounds: list[float]) -> list[float]:
        return _ordered_pair(bounds, "the fastest tempo must not be below the slowest")

    @field_validator("window_ms")
    @classmethod
    def _window_bounds_ordered(cls, bounds: list[float]) -> list[float]:
        return _ordered_pair(bounds, "the widest window must not be below the narrowest")


class LengthSpec(_LevelModel):
    """How long a task lasts: exactly one of beats or seconds."""

    model_config = ConfigDict(
        json_schema_extra={"oneOf": [{"required": ["beats"]}, {"required": ["seconds"]}]}
    )

    beats: int | None = Field(None, ge=1, le=2000, description="Metronome beats.")
    seconds: float | None = Field(
        None, ge=1, le=1800, description="Seconds, rounded up to whole beats at the level tempo."
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> LengthSpec:
        if (self.beats is None) == (self.seconds is None):
            raise RuleError([((), "give exactly one of 'beats' or 'seconds'")])
        return self


class ContinuationSpec(_LevelModel):
    """The metronome falls silent for the last beats of a task; taps are still scored."""

    beats: int = Field(
        ge=0, description="Silent beats at the end; fewer than the task's beats.", examples=[8]
    )


def _limb_branch(value: Any) -> str:
    return LIMB_LIST_TAG if isinstance(value, list) else ONE_LIMB_TAG


LimbChoice = Annotated[
    Annotated[Limb, Tag(ONE_LIMB_TAG)]
    | Annotated[list[Limb], Tag(LIMB_LIST_TAG), Field(min_length=1)],
    Discriminator(_limb_branch),
]


class TaskSpec(_LevelModel):
    """One task of a level: what to tap with, how long, in which pattern."""

    name: str = Field(
        min_length=1, max_length=40, description="Shown to the child.", examples=["Both hands"]
    )
    limb: LimbChoice = Field(
        description="A limb name, or a list of them taken in turn per tap step.",
        examples=["both_hands", ["right_hand", "left_hand"]],
    )
    length: LengthSpec = Field(description="{beats: N} or {seconds: N}.", examples=[{"beats": 40}])
    pattern: str = Field(
        "x",
        pattern=TAP_PATTERN,
        description="One step per character, x = tap, . = rest; repeated over the task.",
        examples=["x", "x.", "xx.x"],
    )
    steps_per_beat: int = Field(1, ge=1, le=4, description="Pattern steps per metronome beat.")
    guide_sounds: bool = Field(
        False, description="Play guide tones that tell the child early, on time or late."
    )
    visual_cue: VisualCue = Field("full", description="How much of the beat is shown.")
    continuation: ContinuationSpec | None = Field(
        None, description="Silent beats at the end of the task (synchronisation–continuation)."
    )
    instruction: str | None = Field(None, description="Shown before the task.")


class TaskTextSpec(_LevelModel):
    """One task's words in another language; a key left out keeps the task's own."""

    name: str | None = Field(
        None,
        min_length=1,
        max_length=40,
        description="The task's name in this language.",
        examples=["Ambas manos"],
    )
    instruction: str | None = Field(None, min_length=1, description="Shown before the task.")


class TranslationSpec(_LevelModel):
    """The level's words in one more language; a key left out keeps the level's own."""

    title: str | None = Field(
        None,
        min_length=1,
        max_length=40,
        description="The title in this language.",
        examples=["Salto de Rana"],
    )
    description: str | None = Field(None, min_length=1, description="For therapists.")
    instruction: str | None = Field(None, min_length=1, description="Shown before the level.")
    tasks: list[TaskTextSpec] | None = Field(
        None,
        min_length=1,
        max_length=50,
        description="The tasks' words, in the order of `tasks`; fewer items leave the rest "
        "in the level's own words, and `{}` keeps one task's own.",
        examples=[[{"name": "Ambas manos"}]],
    )


def task_beats(length: LengthSpec, tempo_bpm: float) -> int:
    """Metronome beats of a task length at ``tempo_bpm``; same rounding as Task.beats_at."""
    if length.beats is not None:
        return length.beats
    assert length.seconds is not None
    return beats_lasting(length.seconds, tempo_bpm)


class LevelSpec(_LevelModel):
    """An OnBeat level, format 1: a sequence of timed tapping tasks at one tempo."""

    format: int = Field(
        description="Level format version; this OnBeat reads 1.",
        examples=[FORMAT_VERSION],
        json_schema_extra={"const": FORMAT_VERSION},
    )
    id: str = Field(
        pattern=ID_PATTERN,
        description="Unique among levels: lowercase letters, digits and '-'.",
        examples=["pond-hop-1"],
    )
    title: str = Field(
        min_length=1, max_length=40, description="Shown to the child.", examples=["Frog Hop"]
    )
    description: str | None = Field(None, description="For therapists.")
    instruction: str | None = Field(None, description="Shown before the level.")
    theme: Theme = Field(description="Look and sounds of the level.", examples=["pond"])
    ages: list[Annotated[int, Field(ge=3, le=99)]] | None = Field(
        None,
        min_length=2,
        max_length=2,
        description="[youngest, oldest] age in years the level suits.",
        examples=[[5, 10]],
    )
    tempo_bpm: float = Field(ge=20, le=240, description="Metronome tempo.", examples=[60])
    count_in: int = Field(4, ge=0, le=16, description="Beats of clicks before scoring starts.")
    windows: WindowsSpec | None = Field(None, description="Judgement windows in ms.")
    adaptive: AdaptiveSpec | None = Field(None, description="Absent: a fixed level.")
    tasks: list[TaskSpec] = Field(min_length=1, max_length=50, description="Played in order.")
    translations: dict[str, TranslationSpec] | None = Field(
        None,
        description="The level's words in other languages, by language code ('es'); whatever "
        "a language leaves out is shown in the level's own words.",
        examples=[{"es": {"title": "Salto de Rana"}}],
        json_schema_extra={"propertyNames": {"pattern": LANGUAGE_PATTERN}},
    )

    @field_validator("format")
    @classmethod
    def _known_format(cls, version: int) -> int:
        if version != FORMAT_VERSION:
            raise PydanticCustomError(
                "format_version",
                "this OnBeat reads level format {expected}; write 'format: {expected}' "
                "(a newer format needs a newer OnBeat)",
                {"expected": FORMAT_VERSION},
            )
        return version

    @field_validator("ages")
    @classmethod
    def _ages_ordered(cls, ages: list[int]) -> list[int]:
        return _ordered_pair(ages, "the oldest age must not be below the youngest")

    @field_validator("adaptive")
    @classmethod
    def _bounds_hold_start(cls, adaptive: AdaptiveSpec, info: ValidationInfo) -> AdaptiveSpec:
        breaches: list[tuple[KeyPath, str]] = []
        tempo_bpm = info.data.get("tempo_bpm")
        if adaptive.tempo_bpm is not None and tempo_bpm is not None:
            slowest, fastest = adaptive.tempo_bpm
            if not slowest <= tempo_bpm <= fastest:
                what = f"must include the level's tempo_bpm ({tempo_bpm:g})"
                breaches.append((("tempo_bpm",), what))
        # Without valid windows there is no good window to compare with.
        if adaptive.window_ms is not None and "windows" in info.data:
            good_ms = (info.data["windows"] or WindowsSpec()).good
            narrowest, widest = adaptive.window_ms
            if not narrowest <= good_ms <= widest:
                what = f"must include the level's good window ({good_ms:g} ms)"
                breaches.append((("window_ms",), what))
        if breaches:
            raise RuleError(breaches)
        return adaptive

    @field_validator("tasks")
    @classmethod
    def _continuation_within_task(
        cls, tasks: list[TaskSpec], info: ValidationInfo
    ) -> list[TaskSpec]:
        tempo_bpm = info.data.get("tempo_bpm")
        breaches: list[tuple[KeyPath, str]] = []
        for index, task in enumerate(tasks):
            # Without a valid tempo, a length in seconds has no beats to compare with.
            if task.continuation is None or (task.length.seconds is not None and tempo_bpm is None):
                continue
            beats = task_beats(task.length, tempo_bpm)
            if task.continuation.beats >= beats:
                what = f"must be fewer than the task's {beats} beats"
                if task.length.seconds is not None:
                    what += f" ({task.length.seconds:g} s at {tempo_bpm:g} bpm)"
                breaches.append(((index, "continuation", "beats"), what))
        if breaches:
            raise RuleError(breaches)
        return tasks

    @field_validator("translations")
    @classmethod
    def _languages_and_task_counts(
        cls, translations: dict[str, TranslationSpec], info: ValidationInfo
    ) -> dict[str, TranslationSpec]:
        tasks = info.data.get("tasks")
        breaches: list[tuple[KeyPath, str]] = []
        for language, text in translations.items():
            if not re.fullmatch(LANGUAGE_PATTERN, language):
                what = f"'{language}' is not a language code; use two lowercase letters, like 'es'"
                breaches.append(((language,), what))
            # Without valid tasks there is nothing to count them against.
            if tasks is not None and text.tasks is not None and len(text.tasks) > len(tasks):
                what = (
                    f"has {len(text.tasks)} items but the level has {len(tasks)} "
                    f"task{'' if len(tasks) == 1 else 's'}; remove the extra ones"
                )
                breaches.append(((language, "tasks"), what))
        if breaches:
            raise RuleError(breaches)
        return translations


class _LevelJsonSchema(GenerateJsonSchema):
    """The loader refuses empty values, so the schema neither allows nor defaults to null."""

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        if schema.get("default") is None:
            return self.generate_inner(schema["schema"])
        return super().default_schema(schema)


# Editors validate YAML through yaml-language-server, which implements JSON Schema draft-07;
# pydantic writes 2020-12. The level schema needs nothing newer than draft-07 once its
# definitions sit where draft-07 looks for them and no `$ref` carries sibling keywords
# (draft-07 ignores those, which would hide the descriptions from the editor).
JSON_SCHEMA_DIALECT = "http://json-schema.org/draft-07/schema#"
_DEFINITIONS = "definitions"
SCHEMA_TITLE = f"OnBeat level, format {FORMAT_VERSION}"


def level_json_schema() -> dict[str, Any]:
    """JSON Schema (draft-07) of level format v1, for levels/schema.json and editors."""
    schema = LevelSpec.model_json_schema(
        schema_generator=_LevelJsonSchema, ref_template=f"#/{_DEFINITIONS}/{{model}}"
    )
    schema[_DEFINITIONS] = schema.pop("$defs")
    schema = _without_ref_siblings(schema)
    schema["title"] = SCHEMA_TITLE
    return {"$schema": JSON_SCHEMA_DIALECT, **schema}


def level_json_schema_text() -> str:
    """`level_json_schema` as the text of levels/schema.json (ASCII, so any shell may save it)."""
    return json.dumps(level_json_schema(), indent=2) + "\n"


def _without_ref_siblings(schema: Any) -> Any:
    """``schema`` with every ``{"$ref": r, ...}`` written as ``{"allOf": [{"$ref": r}], ...}``."""
    if isinstance(schema, list):
        return [_without_ref_siblings(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    schema = {key: _without_ref_siblings(value) for key, value in schema.items()}
    if "$ref" in schema and len(schema) > 1:
        schema["allOf"] = [{"$ref": schema.pop("$ref")}]
    return schema
