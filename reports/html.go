package reports

import (
	"fmt"
	"html/template"
	"io"
	"time"
)

// WriteHTML writes a self-contained page: the verdict table and, when the
// report carries a Timeline, a chart per scenario of allowed against denied
// attack requests with benign traffic beneath, and t0, detection and
// containment marked. It loads nothing from the network, so it works as a
// CI artifact opened offline.
func WriteHTML(w io.Writer, r Report) error {
	page := htmlPage{Report: r, Summary: summary(r)}
	for _, s := range r.Scenarios {
		row := htmlRow{
			S: s, T0: t0Cell(r, s), Detected: detectedCell(s), Contained: containedCell(s),
			Leaked: leakedCell(s), Benign: benignCell(r),
		}
		if r.Timeline != nil {
			row.Chart = scenarioChart(r, s)
		}
		page.Rows = append(page.Rows, row)
	}
	if err := htmlTemplate.Execute(w, page); err != nil {
		return fmt.Errorf("reports: html: %w", err)
	}
	return nil
}

type htmlPage struct {
	Report  Report
	Summary string
	Rows    []htmlRow
}

type htmlRow struct {
	S                                       ScenarioReport
	T0, Detected, Contained, Leaked, Benign string
	Chart                                   *chart
}

// chart is an SVG drawing computed in Go, so the template only places it.
type chart struct {
	Width, Height int
	Bars          []bar
	Marks         []mark
	Ticks         []tick
	AttackMax     int
	BenignMax     int
	AttackTop     int // y of the attack panel's top
	BenignTop     int // y of the benign panel's top
	PanelHeight   int
	Left, Right   int
}

type bar struct {
	X, Y, W, H float64
	Class      string
	Title      string
}

type mark struct {
	X, LabelY float64
	Class     string
	Label     string
}

type tick struct {
	X      float64
	Label  string
	Anchor string // SVG text-anchor: the last label ends at the axis' end
}

const (
	chartWidth  = 900
	panelHeight = 110
	chartLeft   = 48
	chartRight  = 12
)

func scenarioChart(r Report, s ScenarioReport) *chart {
	tl := r.Timeline
	attack, ok := tl.Scenarios[s.ID]
	if !ok {
		return nil
	}
	c := &chart{
		Width: chartWidth, Height: 2*panelHeight + 70, PanelHeight: panelHeight,
		AttackTop: 20, BenignTop: 20 + panelHeight + 30, Left: chartLeft, Right: chartWidth - chartRight,
	}
	c.AttackMax = peak(attack)
	c.BenignMax = peak(tl.Benign)
	bw := float64(c.Right-c.Left) / float64(tl.Bins)
	stack := func(s Series, top, maxv int, classes [3]string, who string) {
		if maxv == 0 {
			return
		}
		for i := range tl.Bins {
			y := float64(top + panelHeight)
			for k, n := range []int{s.Allowed[i], s.Denied[i], s.Other[i]} {
				if n == 0 {
					continue
				}
				h := float64(n) / float64(maxv) * panelHeight
				y -= h
				at := float64(i) * tl.BinSeconds
				c.Bars = append(c.Bars, bar{
					X: float64(c.Left) + float64(i)*bw, Y: y, W: max(bw-0.5, 0.5), H: h, Class: classes[k],
					Title: fmt.Sprintf("%s +%.1fs: %d %s", who, at, n, [3]string{"allowed", "denied", "other"}[k]),
				})
			}
		}
	}
	stack(attack, c.AttackTop, c.AttackMax, [3]string{"allowed", "denied", "other"}, "attack")
	stack(tl.Benign, c.BenignTop, c.BenignMax, [3]string{"benign", "denied", "other"}, "benign")

	span := tl.BinSeconds * float64(tl.Bins)
	x := func(t time.Time) float64 {
		return float64(c.Left) + t.Sub(tl.Start).Seconds()/span*float64(c.Right-c.Left)
	}
	if s.T0 != nil {
		c.Marks = append(c.Marks, mark{X: x(*s.T0), Class: "t0", Label: "t0"})
	}
	if s.DetectedBy != nil {
		c.Marks = append(c.Marks, mark{X: x(s.DetectedBy.Time), Class: "detect", Label: "detected " + s.MTTD})
	}
	if s.ContainedAt != nil {
		c.Marks = append(c.Marks, mark{X: x(*s.ContainedAt), Class: "contain", Label: "contained " + s.MTTC})
	}
	for i := range c.Marks {
		c.Marks[i].LabelY = float64(10 + 11*i)
	}
	for i := 0; i <= 6; i++ {
		sec := span * float64(i) / 6
		anchor := "middle"
		if i == 6 {
			anchor = "end"
		}
		c.Ticks = append(c.Ticks, tick{
			X:      float64(c.Left) + float64(i)/6*float64(c.Right-c.Left),
			Label:  "+" + shortDuration(time.Duration(sec*float64(time.Second))),
			Anchor: anchor,
		})
	}
	return c
}

func peak(s Series) int {
	m := 0
	for i := range s.Allowed {
		m = max(m, s.Allowed[i]+s.Denied[i]+s.Other[i])
	}
	return m
}

func shortDuration(d time.Duration) string {
	switch {
	case d >= time.Hour:
		return fmt.Sprintf("%.1fh", d.Hours())
	case d >= time.Minute:
		return fmt.Sprintf("%.1fm", d.Minutes())
	default:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
}

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"f":     func(v float64) string { return fmt.Sprintf("%.1f", v) },
	"add":   func(a, b int) int { return a + b },
	"stats": statsCell,
	"share": shareCell,
	"cents": centsCell,
}).Parse(htmlSource))
