package reports

// htmlSource is the report page. Styles are inline and there is no script:
// the page must render the same offline, in a CI artifact viewer, or as a
// saved file years later.
const htmlSource = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>abusegate {{.Report.Command}} — {{if .Report.Pass}}PASS{{else}}FAIL{{end}}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:960px;color:#1d2330;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}
.verdict{display:inline-block;padding:4px 10px;border-radius:4px;font-weight:600;color:#fff}
.pass{background:#1f883d}.fail{background:#cf222e}
.meta{color:#59636e;margin:8px 0 18px}
table{border-collapse:collapse;width:100%;margin-bottom:24px}
th,td{border-bottom:1px solid #d1d9e0;padding:6px 8px;text-align:left;vertical-align:top}
td code{word-break:break-all}
th{background:#f6f8fa;font-weight:600}
td.num{text-align:right}
section{border:1px solid #d1d9e0;border-radius:6px;padding:14px 16px;margin-bottom:18px}
section h2{font-size:16px;margin:0 0 6px}
.status{font-size:12px;padding:2px 8px;border-radius:10px;background:#eef1f4;margin-left:8px}
.breach{color:#cf222e;margin:4px 0}
.why{color:#59636e;margin:4px 0}
svg text{font-size:11px;fill:#59636e}
rect.allowed{fill:#cf222e}rect.denied{fill:#8c959f}rect.other{fill:#d4a72c}rect.benign{fill:#0969da}
line.t0{stroke:#1d2330;stroke-dasharray:4 3}line.detect{stroke:#bc4c00;stroke-width:2}line.contain{stroke:#1f883d;stroke-width:2}
text.t0{fill:#1d2330}text.detect{fill:#bc4c00}text.contain{fill:#1f883d}
.legend span{display:inline-block;margin-right:14px;font-size:12px;color:#59636e}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:-1px}
</style>
</head>
<body>
<h1>abusegate {{.Report.Command}}</h1>
<span class="verdict {{if .Report.Pass}}pass{{else}}fail{{end}}">{{.Summary}}</span>
<p class="meta">{{if .Report.Simulated}}simulated · {{end}}mode <b>{{.Report.Mode}}</b> · target <code>{{.Report.Target}}</code> · started {{.Report.Started.UTC.Format "2006-01-02 15:04:05Z"}} for {{.Report.Duration}} · benign sessions hurt {{.Report.Benign.Hurt}}/{{.Report.Benign.Sessions}} · abusegate {{.Report.Tool}}</p>
<table>
<thead><tr><th>scenario</th><th>status</th><th>t0</th><th>detected after</th><th>contained after</th><th>leaked before containment</th><th>benign hurt</th><th>SLA</th></tr></thead>
<tbody>
{{range .Rows}}<tr><td><code>{{.S.ID}}</code></td><td>{{.S.Status}}</td><td>{{.T0}}</td><td>{{.Detected}}</td><td>{{.Contained}}</td><td class="num">{{.Leaked}}</td><td>{{.Benign}}</td><td>{{if .S.Pass}}✅ met{{else}}❌ breached{{end}}</td></tr>
{{end}}</tbody>
</table>
{{with .Report.Kinds}}<table>
<thead><tr><th>kind</th><th>scenarios</th><th>detected</th><th>contained</th><th>MTTD mean / p50 / p95</th><th>MTTC mean / p50 / p95</th></tr></thead>
<tbody>
{{range .}}<tr><td><code>{{.Kind}}</code></td><td>{{.Scenarios}}</td><td>{{.Detected}}</td><td>{{.Contained}}</td><td>{{stats .MTTD}}</td><td>{{stats .MTTC}}</td></tr>
{{end}}</tbody>
</table>
<p class="meta">authenticated abuse attempts blocked: {{share $.Report.Resilience.AuthBlocked $.Report.Resilience.AuthAttempts}} · business-logic attempts prevented: {{share $.Report.Resilience.LogicPrevented $.Report.Resilience.LogicAttempts}} · revenue leakage: {{cents $.Report.Resilience.RevenueLeakBefore}} before containment, {{cents $.Report.Resilience.RevenueLeakAfter}} after</p>
{{end}}{{range .Rows}}<section id="{{.S.ID}}">
<h2>{{.S.Title}}<span class="status">{{.S.Status}}</span></h2>
<p class="why"><code>{{.S.ID}}</code> · {{.S.Kind}} · {{.S.Requests}} abusive requests: {{.S.Successes}} succeeded, {{.S.Denied}} denied · leaked {{.S.LeakBefore}} {{.S.LeakUnit}} before containment, {{.S.LeakTotal}} in total{{with .S.DetectedBy}} · detected by <b>{{.Detector}}</b> on {{.Subject}}: {{.Reason}}{{if .DecidedAt}} (decided after containment, at {{.DecidedAt.Format "15:04:05.000"}}){{end}}{{end}}</p>
{{range .S.Breaches}}<p class="breach">✗ {{.Message}}</p>
{{end}}{{with .Chart}}<div class="legend"><span><i style="background:#cf222e"></i>attack allowed</span><span><i style="background:#8c959f"></i>denied</span><span><i style="background:#d4a72c"></i>other answers</span><span><i style="background:#0969da"></i>benign allowed</span></div>
<svg viewBox="0 0 {{.Width}} {{.Height}}" width="100%" role="img" aria-label="requests over time">
<text x="4" y="{{add .AttackTop 12}}">attack</text><text x="4" y="{{add .AttackTop 26}}">max {{.AttackMax}}</text>
<text x="4" y="{{add .BenignTop 12}}">benign</text><text x="4" y="{{add .BenignTop 26}}">max {{.BenignMax}}</text>
<line x1="{{.Left}}" x2="{{.Right}}" y1="{{add .AttackTop .PanelHeight}}" y2="{{add .AttackTop .PanelHeight}}" stroke="#d1d9e0"/>
<line x1="{{.Left}}" x2="{{.Right}}" y1="{{add .BenignTop .PanelHeight}}" y2="{{add .BenignTop .PanelHeight}}" stroke="#d1d9e0"/>
{{range .Bars}}<rect class="{{.Class}}" x="{{f .X}}" y="{{f .Y}}" width="{{f .W}}" height="{{f .H}}"><title>{{.Title}}</title></rect>
{{end}}{{$c := .}}{{range $i, $m := .Marks}}<line class="{{$m.Class}}" x1="{{f $m.X}}" x2="{{f $m.X}}" y1="10" y2="{{add $c.BenignTop $c.PanelHeight}}"/><text class="{{$m.Class}}" x="{{f $m.X}}" y="{{f $m.LabelY}}" dx="3">{{$m.Label}}</text>
{{end}}{{range .Ticks}}<text x="{{f .X}}" y="{{add $c.Height -6}}" text-anchor="{{.Anchor}}">{{.Label}}</text>
{{end}}</svg>
{{end}}</section>
{{end}}</body>
</html>
`
