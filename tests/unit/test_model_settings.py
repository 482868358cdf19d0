"""A [model] choice is declared once (simengine.scenario.schema.MODEL_CHOICES): its key, its names
and its default (the first); the validation follows from it, the Scenario field has its name, and
the kernel's model arguments are the Plan's fields of the same names (simengine.core.engine._kernel_args)."""

from __future__ import annotations

import dataclasses

import pytest

from simengine.api import variant
from simengine.core import engine
from simengine.core.contract import ModelArrays
from simengine.errors import ConfigError
from simengine.model.plan import Plan, compile_plan
from simengine.scenario import schema
from tests.conftest import DATA


def test_every_model_choice_is_a_key_with_its_first_name_the_default():
    fields = {f.name: f for f in dataclasses.fields(schema.Scenario)}
    for key, names in schema.MODEL_CHOICES.items():
        assert key in schema.MODEL_KEYS
        assert fields[key].default == names[0], key


@pytest.mark.parametrize("key", list(schema.MODEL_CHOICES))
def test_a_name_not_declared_is_refused_and_each_declared_one_is_taken(key):
    base = schema.load(DATA / "small.toml")
    extra = {"model.calibration_band": [0.1, 0.9]} if key == "calibration_basis" else {}
    with pytest.raises(ConfigError, match=f"model.{key}"):
        variant(base, {f"model.{key}": "no-such-choice", **extra})
    for name in schema.MODEL_CHOICES[key]:
        assert getattr(variant(base, {f"model.{key}": name, **extra}), key) == name


def test_the_kernels_model_arguments_are_the_plans_fields_of_their_names():
    plan = compile_plan(schema.load(DATA / "small.toml").with_run_options(draws=10))
    model = engine._kernel_args(plan)[1]
    plan_fields = {f.name for f in dataclasses.fields(Plan)}
    for f in ModelArrays._fields:
        if f in plan_fields:
            assert getattr(model, f) is getattr(plan, f), f
