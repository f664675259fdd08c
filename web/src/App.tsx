import { useEffect, useState } from "react";
import { Communities } from "./pages/Communities";
import { Escrow } from "./pages/Escrow";
import { ModelPage } from "./pages/ModelPage";
import { Rewards } from "./pages/Rewards";
import { Staking } from "./pages/Staking";
import { WalletBar } from "./pages/Wallet";

export type Route =
  | { page: "communities" }
  | { page: "model"; modelId: bigint }
  | { page: "staking" }
  | { page: "rewards" }
  | { page: "escrow" };

/** Hash routes (#/model/1) so the static build works from any path without server rewrites. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/");
  if (parts[0] === "model" && /^[1-9][0-9]*$/.test(parts[1] ?? ""))
    return { page: "model", modelId: BigInt(parts[1]!) };
  if (parts[0] === "staking") return { page: "staking" };
  if (parts[0] === "rewards") return { page: "rewards" };
  if (parts[0] === "escrow") return { page: "escrow" };
  return { page: "communities" };
}

const TABS = [
  { page: "communities", label: "Communities", hash: "#/communities" },
  { page: "staking", label: "Datasets & staking", hash: "#/staking" },
  { page: "escrow", label: "Escrow", hash: "#/escrow" },
  { page: "rewards", label: "Rewards", hash: "#/rewards" },
] as const;

export function App() {
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onHash = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  const current = route.page === "model" ? "communities" : route.page;
  return (
    <>
      <header>
        <h1>Kho</h1>
        <nav aria-label="Sections">
          {TABS.map((t) => (
            <a key={t.page} href={t.hash} aria-current={current === t.page ? "page" : undefined}>
              {t.label}
            </a>
          ))}
        </nav>
        <WalletBar />
      </header>
      <main>
        {route.page === "communities" && <Communities onOpenModel={(id) => (window.location.hash = `#/model/${id}`)} />}
        {route.page === "model" && (
          <ModelPage modelId={route.modelId} onBack={() => (window.location.hash = "#/communities")} />
        )}
        {route.page === "staking" && <Staking />}
        {route.page === "escrow" && <Escrow />}
        {route.page === "rewards" && <Rewards />}
      </main>
    </>
  );
}
