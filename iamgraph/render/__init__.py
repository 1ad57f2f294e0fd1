"""Every writer of findings and answers: text, JSON, SARIF 2.1.0, Markdown, HTML, Graphviz DOT."""
