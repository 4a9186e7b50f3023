"""The report as files: two CSVs with stable columns, and SVG charts drawn on the server.

The columns are a contract with the coordinator's spreadsheets (README, "Rapport
d'activité"): a new figure is a new line of the summary, never a renamed or moved column.
The charts are plain SVG (no script, no inline style: the content security policy allows
neither), each with a title and a description for screen readers; the tables under them
carry the same numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from html import escape

from markupsafe import Markup

from hotline.contacts.reports import KINDS, NO_THEME, Report
from hotline.models import CallbackOutcome, ContactKind

# The contacts CSV: one line per week, person and theme with at least one contact.
CONTACT_COLUMNS = (
    "semaine",  # the Monday of the week, YYYY-MM-DD (local time)
    "personne",  # the person's key (never a name or a number); empty: a number linked to nobody
    "theme",  # the theme's key; empty: no theme chosen (check-ins, "any theme")
    "appels_recus",  # answered inbound calls
    "rappels",  # callbacks that reached the person
    "appels_de_suivi",  # check-in calls that reached the person
    "reunions_telephoniques",  # group-call attendances
    "total",
    "minutes",  # time on the phone, rounded
)
KIND_COLUMNS = dict(zip(KINDS, CONTACT_COLUMNS[3:7], strict=True))
# The summary CSV: one line per figure and theme.
SUMMARY_COLUMNS = ("indicateur", "theme", "valeur")
OUTCOME_WORDS = {
    CallbackOutcome.REACHED: "joint",
    CallbackOutcome.NO_ANSWER: "pas_de_reponse",
    CallbackOutcome.MESSAGE_LEFT: "message_laisse",
    CallbackOutcome.WRONG_NUMBER: "faux_numero",
    CallbackOutcome.REFERRED: "oriente",
    CallbackOutcome.OTHER: "autre",
}
OUTCOME_LABELS = {
    CallbackOutcome.REACHED: "joint",
    CallbackOutcome.NO_ANSWER: "pas de réponse",
    CallbackOutcome.MESSAGE_LEFT: "message laissé",
    CallbackOutcome.WRONG_NUMBER: "faux numéro",
    CallbackOutcome.REFERRED: "orienté vers…",
    CallbackOutcome.OTHER: "autre",
}
KIND_LABELS = {
    ContactKind.INBOUND: "Appels reçus",
    ContactKind.CALLBACK: "Rappels",
    ContactKind.CHECK_IN: "Appels de suivi",
    ContactKind.GROUP_CALL: "Réunions téléphoniques",
}
# Distinguishable in grey print and for colour-blind readers (Okabe-Ito), with hatching-free
# contrast against white of at least 3:1 for the bars.
KIND_COLOURS = {
    ContactKind.INBOUND: "#0072B2",
    ContactKind.CALLBACK: "#D55E00",
    ContactKind.CHECK_IN: "#009E73",
    ContactKind.GROUP_CALL: "#6A3D9A",
}


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def contacts_csv(report: Report) -> str:
    return _csv(
        CONTACT_COLUMNS,
        (
            [
                line.week.isoformat(),
                line.person,
                line.theme,
                *(line.counts[kind] for kind in KINDS),
                line.total,
                line.minutes,
            ]
            for line in report.lines
        ),
    )


def summary_rows(report: Report) -> list[tuple[str, str, object]]:
    """(indicateur, theme, valeur): every figure of the report, in a fixed order."""
    rows: list[tuple[str, str, object]] = [
        ("periode_debut", "", report.period.first.isoformat()),
        ("periode_fin", "", report.period.last.isoformat()),
        ("contacts", "", report.total),
    ]
    rows += [(f"contacts_{KIND_COLUMNS[kind]}", "", report.by_kind[kind]) for kind in KINDS]
    for theme in (*report.themes, NO_THEME):
        counts = report.by_theme.get(theme)
        rows.append(("contacts_par_theme", theme, sum(counts.values()) if counts else 0))
    rows += [
        ("contacts_anonymises", "", sum(report.anonymised.values())),
        ("personnes_jointes", "", report.persons_reached),
        ("minutes_au_telephone", "", report.minutes),
    ]
    rows += [("heures_de_permanence", key, hours) for key, hours in report.permanence_hours.items()]
    rows += [
        ("rappels_passes", "", report.callback_attempts),
        ("appels_de_suivi_crees", "", report.check_ins_created),
    ]
    rows += [
        (f"rappels_clos_{word}", "", report.outcomes.get(str(outcome), 0))
        for outcome, word in OUTCOME_WORDS.items()
    ]
    for week, counts in sorted(report.by_week.items()):
        rows.append(("contacts_semaine", week.isoformat(), sum(counts.values())))
    return rows


def summary_csv(report: Report) -> str:
    return _csv(SUMMARY_COLUMNS, summary_rows(report))


def weekly_chart(report: Report) -> Markup:
    """Stacked bars: contacts per week, one colour per kind, with a legend."""
    weeks = sorted(report.by_week)
    width, height, left, bottom, top = 640, 260, 40, 40, 40
    tallest = max([sum(c.values()) for c in report.by_week.values()] + [1])
    step = (width - left - 10) / max(len(weeks), 1)
    scale = (height - bottom - top) / tallest
    parts = [_axis(left, height - bottom, width - 10, top, tallest)]
    for index, week in enumerate(weeks):
        x, y = left + index * step + step * 0.2, float(height - bottom)
        for kind in KINDS:
            value = report.by_week[week][kind]
            if value:
                bar = value * scale
                y -= bar
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.6:.1f}" height="{bar:.1f}" '
                    f'fill="{KIND_COLOURS[kind]}"><title>{escape(KIND_LABELS[kind])} : '
                    f"{value}</title></rect>"
                )
        total = sum(report.by_week[week].values())
        parts.append(_text(x + step * 0.3, y - 4, str(total), anchor="middle"))
        parts.append(_text(x + step * 0.3, height - bottom + 16, f"{week:%d/%m}", anchor="middle"))
    parts.append(_legend(left, 16))
    words = ", ".join(f"semaine du {w:%d/%m} : {sum(report.by_week[w].values())}" for w in weeks)
    return _svg("chart-weeks", width, height, "Contacts par semaine", words, parts)


def theme_chart(report: Report) -> Markup:
    """Horizontal bars: contacts per theme."""
    rows = [(report.themes.get(k, "sans thème") or "sans thème", k) for k in report.by_theme]
    width, line, left = 640, 28, 250
    height = line * len(rows) + 20
    tallest = max([sum(c.values()) for c in report.by_theme.values()] + [1])
    scale = (width - left - 60) / tallest
    parts = []
    for index, (label, key) in enumerate(rows):
        value = sum(report.by_theme[key].values())
        y = 10 + index * line
        parts.append(_text(left - 8, y + 17, label, anchor="end"))
        parts.append(
            f'<rect x="{left}" y="{y + 4}" width="{max(value * scale, 1):.1f}" height="18" '
            f'fill="#0072B2"><title>{escape(label)} : {value}</title></rect>'
        )
        parts.append(_text(left + value * scale + 6, y + 17, str(value)))
    words = ", ".join(f"{label} : {sum(report.by_theme[k].values())}" for label, k in rows)
    return _svg("chart-themes", width, height, "Contacts par thème", words, parts)


def _svg(ident: str, width: int, height: int, title: str, words: str, parts: list[str]) -> Markup:
    body = "".join(parts)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="chart" role="img" aria-labelledby="{ident}-title {ident}-desc">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(words)}</desc>{body}</svg>'
    )


def _text(x: float, y: float, words: str, anchor: str = "start") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="12" '
        f'fill="#1a1a1a">{escape(words)}</text>'
    )


def _axis(left: int, base: int, right: int, top: int, tallest: int) -> str:
    return (
        f'<line x1="{left}" y1="{base}" x2="{right}" y2="{base}" stroke="#1a1a1a"/>'
        f'<line x1="{left}" y1="{base}" x2="{left}" y2="{top}" stroke="#1a1a1a"/>'
        + _text(left - 6, top + 4, str(tallest), anchor="end")
        + _text(left - 6, base, "0", anchor="end")
    )


def _legend(x: int, y: int) -> str:
    parts = []
    for kind in KINDS:
        parts.append(
            f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{KIND_COLOURS[kind]}"/>'
        )
        parts.append(_text(x + 16, y, KIND_LABELS[kind]))
        x += 24 + 7 * len(KIND_LABELS[kind])
    return "".join(parts)
