"""Turn metrics.json into report.md, a self-contained report.html and PNG plots.

The HTML is rendered by Jinja2 with autoescaping on, so quotes and evidence
text (which may contain anything) always show as text. Plots are drawn with
matplotlib's Agg backend and embedded in the HTML as base64.
"""

from __future__ import annotations

import base64
import math
from pathlib import Path
from typing import Any, Mapping

TEMPLATES = Path(__file__).resolve().parent / "templates"


def fmt(value: Any, digits: int = 2) -> str:
    """A number to ``digits`` decimals, or an en dash when undefined."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, float) or math.isnan(value):
        return "–"  # None, NaN, or a template's undefined field
    return f"{value:.{digits}f}"


def fmt_ci(block: Mapping[str, Any] | None, digits: int = 2) -> str:
    """'0.81 (0.70–0.90)' from an estimate block."""
    if not block or block.get("estimate") is None:
        return "–"
    if block.get("ci_low") is None:
        return fmt(block["estimate"], digits)
    return f"{fmt(block['estimate'], digits)} ({fmt(block['ci_low'], digits)}–{fmt(block['ci_high'], digits)})"


def fmt_ci_html(block: Mapping[str, Any] | None, digits: int = 2):
    """The estimate, with its interval on a second, smaller line (for wide tables)."""
    from markupsafe import Markup, escape

    if not block or block.get("estimate") is None:
        return "–"
    if block.get("ci_low") is None:
        return fmt(block["estimate"], digits)
    interval = f"{fmt(block['ci_low'], digits)}–{fmt(block['ci_high'], digits)}"
    return Markup(f"{escape(fmt(block['estimate'], digits))}<br><span class=\"ci\">{escape(interval)}</span>")


def fmt_pct(value: Any) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def fmt_pct_ci(block: Mapping[str, Any] | None) -> str:
    if not block or block.get("estimate") is None:
        return "–"
    return f"{fmt_pct(block['estimate'])} ({fmt_pct(block.get('ci_low'))}–{fmt_pct(block.get('ci_high'))})"


def _label(metrics: Mapping[str, Any], theme: str) -> str:
    return metrics["themes"].get(theme, {}).get("label", theme)


def _theme_order(metrics: Mapping[str, Any]) -> list[str]:
    """Themes from the lowest F1 up (undefined last), the row order every per-theme plot shares."""
    return sorted(metrics["themes"], key=lambda t: (metrics["themes"][t]["f1"]["estimate"] is None,
                                                     metrics["themes"][t]["f1"]["estimate"] or 0))


def _save(plt, fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _plot_f1(plt, metrics: Mapping[str, Any], order: list[str], height: float):
    fig, ax = plt.subplots(figsize=(8, height))
    for y, theme in enumerate(order):
        block = metrics["themes"][theme]["f1"]
        if block["estimate"] is None:
            ax.text(0.01, y, "undefined (no positives)", va="center", fontsize=8, color="#777")
            continue
        low = block["ci_low"] if block["ci_low"] is not None else block["estimate"]
        high = block["ci_high"] if block["ci_high"] is not None else block["estimate"]
        ax.barh(y, block["estimate"], color="#4c78a8", height=0.6)
        # A BCa interval of a discrete statistic need not contain the estimate; never draw a negative whisker.
        ax.errorbar(block["estimate"], y, xerr=[[max(0.0, block["estimate"] - low)], [max(0.0, high - block["estimate"])]],
                    fmt="none", ecolor="#222", capsize=3, lw=1)
    ax.set_yticks(range(len(order)), [_label(metrics, t) for t in order], fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_xlabel("F1 (bar) with 95% BCa bootstrap CI (whiskers)")
    ax.set_title("Document-level F1 by theme")
    return fig


def _plot_ceiling(plt, metrics: Mapping[str, Any], order: list[str], height: float):
    fig, ax = plt.subplots(figsize=(8, height))
    ceiling = (metrics.get("ceiling") or {}).get("themes", {})
    for y, theme in enumerate(order):
        mean = ((ceiling.get(theme) or {}).get("comparison") or {}).get("mean")
        if not mean or mean.get("difference") is None:
            continue
        low = mean["ci_low"] if mean["ci_low"] is not None else mean["difference"]
        high = mean["ci_high"] if mean["ci_high"] is not None else mean["difference"]
        colour = {"above": "#2ca02c", "below": "#d62728", "within": "#1f77b4"}.get(ceiling[theme]["verdict"], "#777")
        ax.errorbar(mean["difference"], y, xerr=[[max(0.0, mean["difference"] - low)], [max(0.0, high - mean["difference"])]],
                    fmt="o", color=colour, ecolor=colour, capsize=3, lw=1)
    ax.set_yticks(range(len(order)), [_label(metrics, t) for t in order], fontsize=8)
    ax.axvline(0, color="#999", lw=0.8)
    ax.set_xlim(-1.05, 1.05)
    ax.set_xlabel("machine κ minus human κ (paired bootstrap 95% CI); green above, red below, grey cannot tell")
    title = "Machine against the human ceiling" if ceiling else "No double coding: no human ceiling"
    ax.set_title(title)
    return fig


def _plot_calibration(plt, calibration: Mapping[str, Any]):
    fig, ax = plt.subplots(figsize=(5.5, 5))
    bins = calibration["bins"]
    xs = [b["mean_score"] for b in bins]
    ys = [b["observed"] for b in bins]
    errs = [[b["observed"] - b["observed_ci_low"] for b in bins], [b["observed_ci_high"] - b["observed"] for b in bins]]
    ax.plot([0, 1], [0, 1], "--", color="#999", label="perfect calibration")
    ax.errorbar(xs, ys, yerr=errs, fmt="o-", color="#4c78a8", capsize=3, label="machine")
    for b in bins:
        ax.annotate(str(b["n"]), (b["mean_score"], b["observed"]), textcoords="offset points", xytext=(4, 4), fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("machine probability (bin mean)")
    ax.set_ylabel("share coded present by humans")
    ax.set_title(f"Calibration (Brier {calibration['brier']:.3f}, ECE {calibration['ece']:.3f})")
    ax.legend(loc="upper left", fontsize=8)
    return fig


def _plot_learning_curve(plt, summary: list[Mapping[str, Any]]):
    fig, ax = plt.subplots(figsize=(6, 4))
    for metric, colour in (("micro_f1", "#4c78a8"), ("macro_f1", "#f58518")):
        xs = [r["n_train"] for r in summary]
        mean = [r[f"{metric}_mean"] for r in summary]
        low = [r[f"{metric}_min"] for r in summary]
        high = [r[f"{metric}_max"] for r in summary]
        ax.plot(xs, mean, "o-", color=colour, label=metric.replace("_", " "))
        ax.fill_between(xs, low, high, color=colour, alpha=0.2)
    ax.set_xlabel("human-coded training documents")
    ax.set_ylabel("F1 on held-out documents")
    ax.set_ylim(0, 1)
    ax.set_title("Learning curve (band: min–max over repeats)")
    ax.legend(fontsize=8)
    return fig


def _plots(metrics: Mapping[str, Any], out_dir: Path) -> dict[str, Path]:
    """Draw every plot the metrics allow; return name -> path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    order = _theme_order(metrics)
    height = max(3.0, 0.32 * len(order) + 1.2)
    written = {
        "f1_by_theme": _save(plt, _plot_f1(plt, metrics, order, height), out_dir / "f1_by_theme.png"),
        "kappa_vs_ceiling": _save(plt, _plot_ceiling(plt, metrics, order, height), out_dir / "kappa_vs_ceiling.png"),
    }
    calibration = metrics.get("calibration")
    if calibration and calibration["bins"]:
        written["calibration"] = _save(plt, _plot_calibration(plt, calibration), out_dir / "calibration.png")
    curve = metrics.get("learning_curve") or {}
    if curve.get("summary"):
        written["learning_curve"] = _save(plt, _plot_learning_curve(plt, curve["summary"]), out_dir / "learning_curve.png")
    return written


def _view(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """Rows the templates loop over, in the order a reader wants them."""
    themes = metrics["themes"]
    ceiling = (metrics.get("ceiling") or {}).get("themes", {})
    rows = []
    for theme, block in sorted(themes.items(), key=lambda kv: kv[1]["label"].lower()):
        rows.append({"id": theme, **block, "ceiling": ceiling.get(theme)})
    errors = [{"id": t, "label": _label(metrics, t), **e} for t, e in metrics.get("errors", {}).items()]
    prevalence = [{"id": t, "label": _label(metrics, t), **p} for t, p in metrics.get("prevalence", {}).items()]
    passages = metrics.get("passages")
    passage_rows = []
    if passages:
        passage_rows = [{"id": t, "label": _label(metrics, t), **b} for t, b in passages["themes"].items()]
    return {"rows": rows, "errors": errors, "prevalence": prevalence, "passage_rows": passage_rows}


def render_markdown(metrics: Mapping[str, Any], images: Mapping[str, Path]) -> str:
    """The report as Markdown; images are referenced by relative path."""
    view = _view(metrics)
    lines = ["# Machine coding against human coding", ""]
    lines += ["## Summary", ""] + [f"- {s}" for s in metrics["summary"]] + [""]
    overall = metrics["overall"]
    lines += ["## Overall", "", "| | precision | recall | F1 | agreement | Cohen's κ | Gwet's AC1 |", "|---|---|---|---|---|---|---|"]
    for kind in ("micro", "macro"):
        o = overall[kind]
        lines.append(f"| {kind} | " + " | ".join(fmt_ci(o[m]) for m in ("precision", "recall", "f1", "agreement", "kappa", "ac1")) + " |")
    lines += ["", "## Per theme", "",
              "| theme | n | human prev. | machine prev. | TP | FP | FN | TN | precision | recall | F1 | κ | AC1 |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in view["rows"]:
        lines.append(
            f"| {_md(r['label'])} | {r['n']} | {fmt_pct(r['prevalence_human']['estimate'])} | {fmt_pct(r['prevalence_machine']['estimate'])} | "
            f"{r['tp']} | {r['fp']} | {r['fn']} | {r['tn']} | {fmt_ci(r['precision'])} | {fmt_ci(r['recall'])} | "
            f"{fmt_ci(r['f1'])} | {fmt_ci(r['kappa'])} | {fmt_ci(r['ac1'])} |"
        )
    lines += ["", f"![F1 by theme]({images['f1_by_theme'].name})", ""] if "f1_by_theme" in images else [""]
    if metrics.get("ceiling"):
        ceiling = metrics["ceiling"]
        lines += ["## Human ceiling", "", f"Independent coders: {', '.join(ceiling['coders'])} ({_md(ceiling['coders_rule'])}).",
                  "", _md(ceiling["rule"]), "",
                  "| theme | double-coded docs | human κ | machine κ | difference (95% CI, method) | Fleiss' κ | Krippendorff's α | verdict |",
                  "|---|---|---|---|---|---|---|---|"]
        for r in view["rows"]:
            c = r["ceiling"]
            mean = c["comparison"].get("mean") or {}
            diff = (f"{fmt(mean.get('difference'))} ({fmt(mean.get('ci_low'))} to {fmt(mean.get('ci_high'))}, "
                    f"{_md(mean.get('ci_method'))})") if mean else "–"
            lines.append(f"| {_md(r['label'])} | {c['n_multi_coded']} | {fmt(mean.get('human_kappa'))} | "
                         f"{fmt(mean.get('machine_kappa'))} | {diff} | {fmt(c['fleiss_kappa'])} | "
                         f"{fmt(c['krippendorff_alpha'])} | {_md(c['verdict'])} |")
        lines.append("")
    if "kappa_vs_ceiling" in images:
        lines += [f"![Machine kappa against the human ceiling]({images['kappa_vs_ceiling'].name})", ""]
    passages = metrics.get("passages")
    if passages:
        o = passages["overall"]
        lines += ["## Passage level", "", _md(passages["rule"]), "",
                  f"Overall: precision {fmt(o['precision'])} ({o['machine_matched']}/{o['n_machine']} machine passages), "
                  f"recall {fmt(o['recall'])} ({o['human_matched']}/{o['n_human']} human quotes), F1 {fmt(o['f1'])}.", ""]
    if metrics.get("calibration"):
        cal = metrics["calibration"]
        lines += ["## Calibration", "", f"Brier score {fmt(cal['brier'], 3)}, expected calibration error {fmt(cal['ece'], 3)} over {cal['n']} document × theme cells.", ""]
        if "calibration" in images:
            lines += [f"![Calibration]({images['calibration'].name})", ""]
    if view["prevalence"]:
        lines += ["## Corpus prevalence", "", _md(metrics["settings"]["prevalence_assumption"]), "",
                  _md(metrics["settings"].get("prevalence_sample", "")), "",
                  "| theme | machine (naive) | corrected (PPI, 95% CI) | interval method | human sample only (Wilson) |",
                  "|---|---|---|---|---|"]
        for p in view["prevalence"]:
            lines.append(f"| {_md(p['label'])} | {fmt_pct(p['naive'])} of {p['n_all']} | "
                         f"{fmt_pct(p['corrected'])} ({fmt_pct(p['ci_low'])}–{fmt_pct(p['ci_high'])}) | "
                         f"{_md(p.get('ci_method', ''))} | {fmt_pct(p['human_only'])} of {p['n_sample']} "
                         f"({fmt_pct(p['human_only_ci'][0])}–{fmt_pct(p['human_only_ci'][1])}) |")
        warnings = sorted({p["warning"] for p in view["prevalence"] if p.get("warning")})
        lines += [""] + [f"Warning: {_md(w)}." for w in warnings[:1]] + [""]
    if view["errors"]:
        lines += ["## Error analysis", ""]
        for e in view["errors"]:
            lines += [f"### {_md(e['label'])}", ""]
            for fp in e["false_positives"]:
                ev = "; ".join(f"\"{_md(x['text'])}\" (p. {x['page'] if x['page'] is not None else '?'})" for x in fp["evidence"]) or "no evidence passages"
                lines.append(f"- False positive `{_md(fp['doc_id'])}`: {ev}")
            for fn in e["false_negatives"]:
                qs = "; ".join(f"\"{_md(x['text'])}\" ({_md(x['coder'])})" for x in fn["quotes"]) or "no human quote given"
                lines.append(f"- Missed `{_md(fn['doc_id'])}`: {qs}")
            lines.append("")
    curve = metrics.get("learning_curve") or {}
    lines += ["## Learning curve", ""]
    if curve.get("summary"):
        lines += ["| training docs | micro F1 (mean, min–max) | macro F1 (mean, min–max) |", "|---|---|---|"]
        for r in curve["summary"]:
            lines.append(f"| {r['n_train']} | {fmt(r['micro_f1_mean'])} ({fmt(r['micro_f1_min'])}–{fmt(r['micro_f1_max'])}) | "
                         f"{fmt(r['macro_f1_mean'])} ({fmt(r['macro_f1_min'])}–{fmt(r['macro_f1_max'])}) |")
        if "learning_curve" in images:
            lines += ["", f"![Learning curve]({images['learning_curve'].name})"]
    else:
        lines.append(_md(curve.get("status", "not computed")))
    lines += ["", "## Method and provenance", ""]
    for key, value in metrics["settings"].items():
        lines.append(f"- **{key}**: {_md(str(value))}")
    prov = metrics.get("provenance", {})
    if prov:
        lines.append(f"- **codebook sha256**: {prov['codebook']['sha256']}")
        lines.append(f"- **model hash**: {prov.get('model_hash') or 'not recorded'}")
        lines.append("- **versions**: " + ", ".join(f"{k} {v}" for k, v in prov["versions"].items()))
    return "\n".join(lines) + "\n"


def _md(text: Any) -> str:
    """Neutralise Markdown/HTML in free text: escape pipes and angle brackets."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")


def render_html(metrics: Mapping[str, Any], images: Mapping[str, Path]) -> str:
    """The self-contained HTML report: inline CSS, images as base64."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    env.filters.update(num=fmt, ci=fmt_ci, ci2=fmt_ci_html, pct=fmt_pct, pct_ci=fmt_pct_ci)
    embedded = {name: base64.b64encode(path.read_bytes()).decode("ascii") for name, path in images.items()}
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    return env.get_template("report.html").render(m=metrics, view=_view(metrics), images=embedded, css=css)


def write_report(metrics: Mapping[str, Any], out_dir: str | Path) -> dict[str, Path]:
    """Write the PNG plots, report.md and report.html into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    images = _plots(metrics, out_dir)
    (out_dir / "report.md").write_text(render_markdown(metrics, images), encoding="utf-8")
    (out_dir / "report.html").write_text(render_html(metrics, images), encoding="utf-8")
    return {"report.md": out_dir / "report.md", "report.html": out_dir / "report.html", **images}
