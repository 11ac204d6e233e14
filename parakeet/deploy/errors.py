"""The one error a deploy step raises: which step, what went wrong, and what it printed."""

from __future__ import annotations


class DeployError(Exception):
    """A deploy (or rollback) step failed; nothing after it ran.

    ``step`` is the pipeline step (``build``, ``upload``, ``update``, ``publish``, ``migrate``,
    ``smoke``, ``promote``, ``rollback``), ``detail`` one sentence for a person, ``output``
    whatever the failing side printed (command output, response body, log tail).
    """

    def __init__(self, step: str, detail: str, output: str = "") -> None:
        super().__init__(f"{step}: {detail}")
        self.step = step
        self.detail = detail
        self.output = output

    def report(self) -> str:
        text = f"Deploy step '{self.step}' failed: {self.detail}"
        if self.output.strip():
            text += "\n--- output ---\n" + self.output.rstrip() + "\n--- end of output ---"
        return text
