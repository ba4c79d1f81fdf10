"""The answers a plan still needs before it can be built (`Plan.needs`: the alarms' e-mail, the security
contact), one row each: the question, then its field. The first field has the focus when the form appears;
Enter moves to the next, and on the last one the answers are checked exactly as the command line checks its
flags. A field left blank is not an answer: its plan stays unplanned, and says why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import on
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label

from actions.options import OPTION_LABELS, with_answers
from wizard.errors import UsageError
from wizard.inert_text import inert_text


class AnswersForm(Vertical):
    DEFAULT_CLASSES = "answers-form"

    @dataclass
    class Given(Message):
        """The answers, checked: `options` are the session's options with them."""

        form: AnswersForm
        options: Any

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.fields: list[str] = []
        self.options: Any = None
        self.display = False

    @property
    def asking(self) -> bool:
        return bool(self.display and self.fields)

    async def ask(self, fields: list[str], options: Any) -> None:
        """Show one field per answer (nothing when `fields` is empty); the first takes the focus."""
        self.options = options
        if fields == self.fields and self.display:
            return
        self.fields = list(fields)
        await self.remove_children()
        self.display = bool(fields)
        if not fields:
            return
        widgets: list[Any] = [Label(inert_text("Needed first (Enter after each):"), classes="title")]
        for field in fields:  # one row each (question, then its field), so the form leaves room on 80x24
            question = Label(inert_text(OPTION_LABELS.get(field, field)), classes="answer-question")
            widgets.append(Horizontal(question, Input(id=f"answer-{field}", compact=True), classes="answer-row"))
        await self.mount_all(widgets)
        self.query_one(f"#answer-{fields[0]}", Input).focus()

    def hide(self) -> None:
        self.display = False
        self.fields = []

    def answers(self) -> dict[str, str]:
        return {field: self.query_one(f"#answer-{field}", Input).value for field in self.fields}

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        inputs = list(self.query(Input))
        position = inputs.index(event.input)
        if position + 1 < len(inputs):
            inputs[position + 1].focus()
            return
        try:
            options = with_answers(self.options, self.answers())
        except UsageError as error:
            self.app.notify(str(error), severity="error", markup=False)
            return
        self.post_message(self.Given(self, options))
