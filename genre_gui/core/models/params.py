"""What a model tells the UI and the CLI about itself: hyperparameter specs and the kind of training curve.

A model class lists ``hyperparameters`` (the ones a person sets; the others keep their defaults), and the
Training panel builds its form from them, the CLI validates ``--set NAME=VALUE`` with them, and a saved
model file records them through ``get_params``. Adding a model is its module plus one ``register_model``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KINDS = ("int", "float", "choice", "bool")


@dataclass(frozen=True)
class Hyperparameter:
    """One setting of a model, as a form field and a command-line value.

    Attributes
    ----------
    name : str
        The constructor argument.
    kind : {"int", "float", "choice", "bool"}
    default : int, float, str or bool
        What the form shows first (for a ``float`` with ``default_by``, the value for the first choice).
    label : str
        The form's label ("Learning rate").
    help : str
        Tooltip and ``--help`` text.
    low, high : float, optional
        Inclusive range of ``int`` and ``float`` values.
    choices : tuple of str
        For ``choice``.
    choice_help : dict
        Tooltip of each choice.
    decimals, step : int, float
        For ``float`` fields.
    default_by : tuple (name, dict), optional
        The default depends on another (choice) setting: ``("solver", {"gd": 0.5, ...})``; the form resets
        this field when that setting changes.
    enabled_by : tuple (name, tuple), optional
        The field only applies when another setting has one of these values (``("solver", ("adam", "sgd"))``).
    """

    name: str
    kind: str
    default: Any
    label: str = ""
    help: str = ""
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    choice_help: dict[str, str] = field(default_factory=dict)
    decimals: int = 4
    step: float = 1.0
    default_by: tuple[str, dict] | None = None
    enabled_by: tuple[str, tuple] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"hyperparameter {self.name!r}: kind must be one of {KINDS}, got {self.kind!r}")
        if self.kind == "choice" and self.default not in self.choices:
            raise ValueError(f"hyperparameter {self.name!r}: default {self.default!r} is not a choice")

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def parse(self, text: str) -> Any:
        """A command-line value, converted and checked.

        Raises
        ------
        ValueError
            Naming the hyperparameter, what it expects and what it got.
        """
        text = str(text).strip()
        try:
            if self.kind == "int":
                value: Any = int(text)
            elif self.kind == "float":
                value = float(text)
            elif self.kind == "bool":
                low = text.lower()
                if low not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValueError
                value = low in ("true", "1", "yes")
            else:
                value = text
        except ValueError:
            raise ValueError(f"{self.name} expects {'a whole number' if self.kind == 'int' else self.kind}, "
                             f"got {text!r}") from None
        return self.check(value)

    def check(self, value: Any) -> Any:
        """``value`` if it is allowed, else ValueError naming the allowed range or choices."""
        if self.kind == "choice" and value not in self.choices:
            raise ValueError(f"{self.name} must be one of {', '.join(self.choices)}, got {value!r}")
        if self.kind in ("int", "float"):
            if value != value or (self.low is not None and value < self.low) \
                    or (self.high is not None and value > self.high):
                raise ValueError(f"{self.name} must be {self._range_words()}, got {value!r}")
        return value

    def _range_words(self) -> str:
        """The allowed values in words; either bound may be open (``None``)."""
        if self.low is not None and self.high is not None:
            return f"between {self.low:g} and {self.high:g}"
        if self.low is not None:
            return f"at least {self.low:g}"
        if self.high is not None:
            return f"at most {self.high:g}"
        return "a number"

    def default_for(self, settings: dict[str, Any]) -> Any:
        """The default given the other settings (``default_by``)."""
        if self.default_by is not None:
            other, table = self.default_by
            if settings.get(other) in table:
                return table[settings[other]]
        return self.default

    def applies(self, settings: dict[str, Any]) -> bool:
        """False when ``enabled_by`` says this setting is ignored under the others."""
        if self.enabled_by is None:
            return True
        other, values = self.enabled_by
        return settings.get(other) in values


@dataclass(frozen=True)
class CurveSpec:
    """What a model streams while it trains, so the UI knows which plot draws it.

    ``kind`` ``"loss"``: training (and validation) loss per epoch; ``"validation"``: a validation score
    against the ``x_label`` quantity (k-NN: accuracy against k).
    """

    kind: str = "loss"
    x_label: str = "epoch"
    y_label: str = "cross-entropy loss"
    title: str = ""
