// Package reports renders one run's verdicts for people and machines. It
// owns the versioned report model (Report, schema "abusegate.report/v1"),
// built once from an oracle.Result, and one writer per format over it:
// JSON for machines and baselines, Markdown for pull requests and
// $GITHUB_STEP_SUMMARY, and an aligned text table for the console. Every
// format shows the same numbers because they all read the same Report.
//
// Schema returns the JSON Schema of report.json (report.schema.json,
// embedded); the package's tests hold it to Report field by field, and
// reportstest validates reports against it and junit.xml against the JUnit
// XSD.
//
// Writers write to the io.Writer they are given and never print; WriteDir
// writes report files atomically so a pipeline never picks up a half
// written report.
//
// reports imports oracle and scenarios only. It must not import runtime/*
// or cmd: it renders results, it does not produce them, and it never
// decides pass or fail itself (the oracle did).
package reports
