import "./ephemeral";
import { render } from "solid-js/web";
import "../styles/app.css";
import "./embed.css";
import { provideMarkdown } from "../lib/markdownRenderer";
import { EmbedApp } from "./EmbedApp";

render(() => <EmbedApp />, document.getElementById("root")!);
void import("../lib/markdown").then((m) => provideMarkdown(m.renderMarkdown));
