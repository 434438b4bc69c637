"""The explorer page as a reader uses it: headless Chromium opens the static page built from a
results store, changes the dataset (through the page's own <select>) and the strategy
selection, and the plotted data follow, equal to what alcore.report.explore.explorer_data computes
in Python; no request leaves the page's folder."""

import json
from pathlib import Path

import numpy as np
import pytest
from _synth import make_results, write_store

from alcore.report import explore as X
from alcore.runs.store import load_results, load_upper_bounds

pytest.importorskip("bokeh")
from _browser import chromium_driver

# every <select> of the page, through Bokeh's shadow roots
_DEEP = """
const deep = (root, out) => {
  root.querySelectorAll('select').forEach(e => out.push(e));
  root.querySelectorAll('*').forEach(e => { if (e.shadowRoot) deep(e.shadowRoot, out); });
  return out;
};
"""
_SOURCES = """
const doc = Bokeh.documents[0];
const get = n => doc.get_model_by_name(n).data;
const plain = d => Object.fromEntries(Object.entries(d).map(([k, v]) =>
  [k, Array.from(v, x => (x && typeof x === 'object') ? Array.from(x) : x)]));
return JSON.stringify({curves: plain(get('explorer_curves')),
                       ranking: plain(get('explorer_ranking')),
                       reach: plain(get('explorer_reach')),
                       target: doc.get_model_by_name('explorer_target').text,
                       notes: doc.get_model_by_name('explorer_notes').text});
"""


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("explore")
    df, ub = make_results(
        seeds=(0, 1, 2),
        cycles=6,
        ips_k0=(5,),
        datasets={"toy_binary": 2, "toy_topics": 8},
        encoders={"weak": 0.7, "strong": 0.9},
        strategies=("random", "margin", "typiclust", "badge"),
    )
    write_store(tmp / "store", df, ub)
    table = X.explorer_table(load_results(tmp / "store"), load_upper_bounds(tmp / "store"))
    site = tmp / "site"
    site.mkdir()
    path = site / "explore.html"
    path.write_text(
        X.explorer_html(table, dataset="toy_binary", encoder="weak", ips="random"), encoding="utf-8"
    )
    return path, table


@pytest.fixture(scope="module")
def driver():
    drv = chromium_driver(log_requests=True)
    drv.implicitly_wait(0)
    yield drv
    drv.quit()


def _shown(driver):
    return json.loads(driver.execute_script(_SOURCES))


def _same(shown, expected):
    """The page's view equals explorer_data's (4-decimal codes: equal to 1e-9)."""
    assert shown["notes"] == expected["notes"]
    for part in ("curves", "ranking", "reach"):
        exp = expected[part]
        assert shown[part]["strategy"] == exp["strategy"], part
        for key in {
            "curves": ("xs", "ys", "lo", "hi"),
            "ranking": ("mean", "lo", "hi", "seeds"),
            "reach": ("labels", "reached", "seeds", "text"),
        }[part]:
            got, want = shown[part][key], exp[key]
            if key == "text":
                assert got == want, (part, got, want)
                continue
            assert len(got) == len(want), (part, key)
            for g, w in zip(got, want):  # one number, or one curve, per strategy
                g = np.array(g, dtype=float)  # JSON null is the page's NaN
                np.testing.assert_allclose(
                    g, np.array(w, dtype=float), atol=1e-9, err_msg=f"{part} {key}"
                )


def _open(driver, path, query=""):
    driver.get(path.as_uri() + query)
    ready = driver.execute_async_script("""
        const done = arguments[0], t0 = Date.now();
        (function wait() {
          const ok = window.Bokeh && Bokeh.documents.length &&
                     Bokeh.documents[0].get_model_by_name('explorer_curves');
          if (ok || Date.now() - t0 > 20000) done(!!ok); else setTimeout(wait, 50);
        })();""")
    assert ready, f"the explorer did not render in {path}"


def _pick_dataset(driver, value):
    """Choose ``value`` in the page's dataset <select> and fire its events, as a click does."""
    return driver.execute_script(
        _DEEP
        + """
        const value = arguments[0];
        const sel = deep(document, []).find(s =>
            Array.from(s.options).some(o => o.value === value));
        if (!sel) return false;
        sel.value = value;
        sel.dispatchEvent(new Event('change', {bubbles: true}));
        sel.dispatchEvent(new Event('input', {bubbles: true}));
        return true;""",
        value,
    )


def _set(driver, **values):
    """Set explorer controls through their Bokeh models (the multi-choice has no <select>)."""
    driver.execute_script(
        """
        const doc = Bokeh.documents[0];
        for (const [k, v] of Object.entries(arguments[0]))
          doc.get_model_by_name('explorer_' + k).value = v;""",
        values,
    )


def _requests(driver):
    """Every URL the browser asked for (network log) or the page loaded (resource timing)."""
    urls = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    return urls + driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )


def _outside(urls, folder):
    folder = folder.as_uri() + "/"
    return [u for u in urls if not (u.startswith((folder, "data:", "blob:")))]


def test_page_follows_the_controls_and_stays_in_its_folder(page, driver):
    path, table = page
    driver.get_log("performance")  # drop what earlier pages logged
    _open(driver, path)
    view = {"dataset": "toy_binary", "encoder": "weak", "ips": "random"}
    first = _shown(driver)
    assert len(first["curves"]["strategy"]) == 4
    _same(first, X.explorer_data(table, **view))

    assert _pick_dataset(driver, "toy_topics"), "no dataset <select> on the page"
    view["dataset"] = "toy_topics"
    second = _shown(driver)
    assert second["curves"]["ys"] != first["curves"]["ys"]
    assert second["target"] != first["target"]
    _same(second, X.explorer_data(table, **view))

    _set(driver, strategies=["typiclust", "random"])
    third = _shown(driver)
    assert third["curves"]["strategy"] == ["random", "typiclust"]
    _same(third, X.explorer_data(table, strategies=["random", "typiclust"], **view))
    _set(driver, metric="gain", rank_by="aulc", share=0.8)
    fourth = _shown(driver)
    assert fourth["curves"]["ys"] != third["curves"]["ys"]
    _same(
        fourth,
        X.explorer_data(
            table,
            strategies=["random", "typiclust"],
            metric="gain",
            rank_by="aulc",
            share=0.8,
            **view,
        ),
    )

    urls = _requests(driver)
    assert path.as_uri() in urls
    assert not _outside(urls, path.parent), f"requests outside {path.parent}"
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


BOOK_PAGE = Path(__file__).resolve().parent.parent / "book/_build/html/notebooks/07_explore.html"


@pytest.mark.skipif(not BOOK_PAGE.is_file(), reason="the book is not built (make book)")
def test_built_book_page_follows_the_controls_and_stays_in_the_book(driver):
    """The chapter as built: the explorer renders, follows a dataset and a strategy change,
    and every request stays in book/_build/html."""
    driver.get_log("performance")
    _open(driver, BOOK_PAGE)
    first = _shown(driver)
    datasets = driver.execute_script(
        "return Bokeh.documents[0].get_model_by_name('explorer_dataset').options"
    )
    current = driver.execute_script(
        "return Bokeh.documents[0].get_model_by_name('explorer_dataset').value"
    )
    other = [d for d in datasets if d != current]
    if other:
        assert _pick_dataset(driver, other[0])
        second = _shown(driver)
        assert second["curves"]["ys"] != first["curves"]["ys"]
        first = second
    keep = first["curves"]["strategy"][:2]
    _set(driver, strategies=keep)
    assert _shown(driver)["curves"]["strategy"] == keep
    html, urls = BOOK_PAGE.parent.parent, _requests(driver)
    assert BOOK_PAGE.as_uri() in urls and any("_static" in u for u in urls)
    assert not _outside(urls, html), f"requests outside {html}"


@pytest.mark.skipif(not BOOK_PAGE.is_file(), reason="the book is not built (make book)")
@pytest.mark.parametrize("mode", ["light", "dark"])
def test_built_book_explorer_fits_the_column_and_reads_in_both_modes(driver, mode):
    """At 1280 px the explorer fits the text column (no scrollbar), its controls show dark
    text on light or light text on dark, and a dataset change still redraws the view."""
    driver.set_window_size(1280, 900)
    driver.get_log("browser")
    _open(driver, BOOK_PAGE)
    driver.execute_script(
        "document.documentElement.dataset.theme = arguments[0];"
        "document.documentElement.dataset.mode = arguments[0];",
        mode,
    )
    widths = driver.execute_script("""
        const root = document.querySelector('.bk-Column, .bk-root, [data-root-id]') ||
                     document.querySelector('div.output.text_html');
        const col = document.querySelector('article.bd-article') || document.body;
        const e = document.documentElement;
        return [root.getBoundingClientRect().width, col.getBoundingClientRect().width,
                e.scrollWidth, e.clientWidth];""")
    assert widths[0] <= widths[1] + 1 and widths[2] <= widths[3], widths
    colours = driver.execute_script(
        _DEEP
        + """
        const lum = c => { const [r, g, b] = c.match(/[\\d.]+/g).map(Number);
                           return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
        return deep(document, []).map(s => { const st = getComputedStyle(s);
          return [lum(st.color), lum(st.backgroundColor)]; });"""
    )
    assert colours, "no <select> in the explorer"
    for fg, bg in colours:
        assert abs(fg - bg) > 100, (mode, fg, bg)  # legible: not white on white
        assert (fg < bg) == (mode == "light"), (mode, fg, bg)
    datasets = driver.execute_script(
        "return Bokeh.documents[0].get_model_by_name('explorer_dataset').options"
    )
    first = _shown(driver)
    if len(datasets) > 1:
        current = driver.execute_script(
            "return Bokeh.documents[0].get_model_by_name('explorer_dataset').value"
        )
        assert _pick_dataset(driver, next(d for d in datasets if d != current))
        assert _shown(driver)["curves"]["ys"] != first["curves"]["ys"]
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


def test_page_has_no_external_url_to_load(page):
    """No <script src>, <link href> or <img src> outside the page (BokehJS is inline)."""
    import re

    html = Path(page[0]).read_text(encoding="utf-8")
    assert "bokeh.min.js" in html and "bokeh-widgets.min.js" in html  # inlined bundles
    markup = re.sub(r"(<script\b[^>]*>).*?</script>", r"\1</script>", html, flags=re.DOTALL)
    tags = re.findall(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=[^>]*>", markup)
    assert not tags, tags


def test_page_opens_on_the_view_its_address_names(page, driver):
    path, table = page
    driver.get_log("browser")
    _open(
        driver,
        path,
        "?dataset=toy_topics&encoder=strong&ips=typiclust"
        "&strategies=random,badge&metric=gain&rank_by=aulc&share=0.8",
    )
    want = {"dataset": "toy_topics", "encoder": "strong", "ips": "typiclust"}
    view = X.explorer_data(
        table, strategies=["random", "badge"], metric="gain", rank_by="aulc", share=0.8, **want
    )
    _same(_shown(driver), view)
    # a name the table lacks is ignored: the page keeps its first view
    _open(driver, path, "?dataset=nope&metric=accuracy")
    _same(_shown(driver), X.explorer_data(table, "toy_binary", "weak", "random"))
    assert not [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def test_download_saves_the_shown_curves(page, driver):
    path, table = page
    _open(driver, path, "?strategies=margin,random&metric=macro_f1")
    clicked = driver.execute_script(
        _DEEP.replace("querySelectorAll('select')", "querySelectorAll('button')")
        + """
        const b = deep(document, []).find(e => e.textContent.includes('Download'));
        if (!b) return false;
        b.click();
        return true;"""
    )
    assert clicked, "no download button on the page"
    csv = driver.execute_script("return window.alcoreExplorerCSV")
    view = X.explorer_data(
        table, "toy_binary", "weak", "random", ["margin", "random"], metric="macro_f1"
    )
    assert csv == X.explorer_csv(view, "macro_f1")


def test_legend_click_hides_a_strategy(page, driver):
    path, _ = page
    _open(driver, path)
    hidden = driver.execute_script("""
        const doc = Bokeh.documents[0];
        const legend = doc.get_model_by_name('explorer_legend');
        const item = legend.items.find(i => i.label.value === 'margin');
        if (legend.click_policy !== 'hide') return null;
        item.renderers.forEach(r => { r.visible = false; });   // what a click does
        return item.renderers.every(r => !r.visible) &&
               legend.items.filter(i => i !== item).every(i => i.renderers[0].visible);""")
    assert hidden
