import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { loadConfig } from "./lib/config";
import { describeError } from "./lib/errors";
import { KhoProvider } from "./lib/kho";
import "./styles.css";

const root = createRoot(document.getElementById("root")!);
loadConfig().then(
  (config) =>
    root.render(
      <StrictMode>
        <KhoProvider config={config}>
          <App />
        </KhoProvider>
      </StrictMode>,
    ),
  (error: unknown) =>
    root.render(
      <p role="alert" className="error">
        {describeError(error)}
      </p>,
    ),
);
