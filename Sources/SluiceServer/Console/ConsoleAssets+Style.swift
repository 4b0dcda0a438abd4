extension ConsoleAssets {
    static let css = #"""
        body { font: 15px/1.4 system-ui, sans-serif; margin: 0; color: #1d2430; background: #f6f7f9; }
        header { display: flex; gap: 1em; align-items: baseline; padding: 0.8em 1.5em; background: #1d2430; color: #fff; flex-wrap: wrap; }
        header h1 { font-size: 1.2em; margin: 0; }
        header nav { display: flex; gap: 1em; }
        header nav a { color: #c7d2fe; text-decoration: none; }
        header nav a.current { color: #fff; font-weight: bold; text-decoration: underline; }
        header button { margin-left: auto; }
        main { padding: 1em 1.5em; }
        .muted { color: #8a93a3; font-size: 0.85em; }
        .error { color: #b42318; }
        .figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(12em, 1fr)); gap: 0.8em; }
        .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(28em, 1fr)); gap: 0.8em; margin-top: 1em; }
        .charts img { width: 100%; background: #fff; border: 1px solid #dde1e7; border-radius: 6px; }
        figure { margin: 0; padding: 0.8em; background: #fff; border: 1px solid #dde1e7; border-radius: 6px; }
        figcaption { color: #5b6575; font-size: 0.85em; }
        output { display: block; font-size: 1.6em; font-variant-numeric: tabular-nums; }
        form { display: flex; gap: 0.5em; align-items: center; flex-wrap: wrap; margin-bottom: 1em; }
        form.stacked label { display: inline-flex; gap: 0.3em; align-items: center; }
        fieldset { border: 1px solid #dde1e7; border-radius: 6px; }
        table { border-collapse: collapse; background: #fff; margin: 0.5em 0 1em; font-size: 0.9em; }
        th, td { border: 1px solid #dde1e7; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
        td.number { text-align: right; font-variant-numeric: tabular-nums; }
        tr.selected { background: #e0e7ff; }
        tbody tr[data-json] { cursor: pointer; }
        .secret { background: #fff7e6; border: 1px solid #f5c16c; border-radius: 6px; padding: 0.5em 1em; margin-bottom: 1em; }
        .secret code, .secret pre { user-select: all; }
        .split { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; align-items: start; }
        .events { list-style: none; margin: 0; padding: 0; max-height: 32em; overflow-y: auto; background: #fff; border: 1px solid #dde1e7; border-radius: 6px; }
        .events li { padding: 0.3em 0.6em; border-bottom: 1px solid #eef0f3; cursor: pointer; overflow-wrap: anywhere; }
        .events li .kind { font-weight: bold; margin-right: 0.5em; }
        .json { background: #1d2430; color: #e5e7eb; padding: 0.8em; border-radius: 6px; min-height: 8em; max-height: 32em; overflow: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
        .toolbar { display: flex; gap: 0.5em; align-items: baseline; flex-wrap: wrap; }
        .toolbar form { margin: 0; }
        code { overflow-wrap: anywhere; }
        """#
}
