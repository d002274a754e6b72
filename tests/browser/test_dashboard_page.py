"""The dashboard and the report pages in Chromium under the content security policy: the charts are drawn
(Chart.js from our static files), no console error, nothing loaded from elsewhere."""
from tests.browser.conftest import sign_in


def test_manager_dashboard_draws_its_charts(open_page, media):
    page = open_page()
    sign_in(page, "manager")
    page.goto("/")
    for chart in ("chart-kpi", "chart-pipeline", "chart-revenue", "chart-ageing", "chart-satisfaction"):
        drawn = page.page.evaluate(f"() => !!(window.Chart && window.Chart.getChart('{chart}'))")
        assert drawn, chart
    stages = page.page.evaluate("() => window.Chart.getChart('chart-pipeline').data.labels")
    assert stages == ["潜在", "意向", "报备", "签约", "流失"]  # pipeline order, translated
    page.screenshot("dashboard-manager")


def test_service_dashboard_and_the_reports(open_page, media):
    page = open_page()
    sign_in(page, "service")
    page.goto("/")
    assert page.page.evaluate("() => !!window.Chart.getChart('chart-satisfaction')")
    assert page.page.evaluate("() => document.getElementById('chart-revenue') === null")
    page.goto(f"/reports/schedule/?issue={media['issue']}")
    page.goto(f"/reports/deliveries/print?issue={media['issue']}")
