"""A level's words in the child's language: title, instruction, description and task names.

A level file may carry `translations` (docs/levels.md); whatever a language leaves out falls
back to the level's own words. The game shows these words; records and reports keep the
level's own, so that sessions played in different languages stay comparable.
"""

from __future__ import annotations

import dataclasses

from engine.levels.model import Level, LevelText


def text_for(level: Level, language: str) -> LevelText | None:
    """The level's words in ``language``, or None when it has none there."""
    return next((text for text in level.translations if text.language == language), None)


def level_in_language(level: Level, language: str) -> Level:
    """``level`` with its words in ``language`` where the file gives them (the same level,
    unchanged, when it gives none)."""
    text = text_for(level, language)
    if text is None:
        return level
    tasks = tuple(
        dataclasses.replace(
            task,
            name=_at(text.task_names, index) or task.name,
            instruction=_at(text.task_instructions, index) or task.instruction,
        )
        for index, task in enumerate(level.tasks)
    )
    return dataclasses.replace(
        level,
        title=text.title or level.title,
        description=text.description or level.description,
        instruction=text.instruction or level.instruction,
        tasks=tasks,
    )


def _at(values: tuple[str | None, ...], index: int) -> str | None:
    return values[index] if index < len(values) else None
