import { render } from "solid-js/web";
import "./styles/app.css";
import "./lib/theme";
import { App } from "./App";
import { renderMarkdown } from "./lib/markdown";
import { provideMarkdown } from "./lib/markdownRenderer";

provideMarkdown(renderMarkdown);

render(() => <App />, document.getElementById("root")!);
