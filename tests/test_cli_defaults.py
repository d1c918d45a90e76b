"""The CLI keeps its option defaults as literals (importing the worker modules would slow every command's
start); these pin that the literals still equal the constants the workers use."""

import inspect

MB = 1024 * 1024


def _default(command, parameter: str):
    return inspect.signature(command).parameters[parameter].default.default


def test_code_recycles_workers_at_the_bulk_runners_growth_limit():
    from practice_themes.bulk.worker import DEFAULT_GROWTH_BYTES
    from practice_themes.cli.code import code

    assert int(_default(code, "recycle_growth_mb") * MB) == DEFAULT_GROWTH_BYTES


def test_serve_recycles_its_worker_at_the_screen_workers_growth_limit():
    from practice_themes.cli.screen import serve
    from practice_themes.screen.worker import DEFAULT_GROWTH_BYTES

    assert int(_default(serve, "recycle_growth_mb") * MB) == DEFAULT_GROWTH_BYTES


def test_train_defaults_to_the_registered_default_method():
    from practice_themes.classify.methods import DEFAULT_METHOD
    from practice_themes.cli.train import train

    assert _default(train, "method") == DEFAULT_METHOD


def test_trains_help_states_the_shipped_rate_factor():
    from practice_themes.classify.thresholds import RATE_FACTOR
    from practice_themes.cli.train import train

    help_text = inspect.signature(train).parameters["method"].default.help
    assert f"({RATE_FACTOR:g})" in help_text


def test_trains_help_states_the_stacked_models_own_min_positives():
    from practice_themes.classify.supervised import TrainedClassifier
    from practice_themes.cli.train import train

    own = inspect.signature(TrainedClassifier).parameters["min_docs"].default
    assert f"(default: {own})" in inspect.signature(train).parameters["min_positives"].default.help
    assert _default(train, "min_positives") is None  # unset: the model's own default holds
