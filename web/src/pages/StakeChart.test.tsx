// @vitest-environment happy-dom
import { cleanup, render, screen } from "@testing-library/react";
import { parseUnits } from "viem";
import { afterEach, describe, expect, it } from "vitest";
import { StakeChart } from "./StakeChart";

afterEach(cleanup);

describe("StakeChart", () => {
  it("labels every change with its time and the total in KHO", () => {
    const day = 1_796_169_600n; // 2026-12-02 00:00 UTC
    render(
      <StakeChart
        title="Total stake on dataset 1 over time"
        points={[
          { time: day + 600n, total: parseUnits("500", 18) },
          { time: day + 6n * 86_400n, total: parseUnits("1000", 18) },
        ]}
        now={day + 8n * 86_400n}
      />,
    );
    expect(screen.getByRole("img").getAttribute("aria-label")).toBe(
      "Total stake on dataset 1 over time. 2026-12-02 00:10 UTC: 500 KHO; 2026-12-08 00:00 UTC: 1000 KHO",
    );
    expect(screen.getByText(/1000 KHO now, since 2026-12-02 00:10 UTC/)).toBeTruthy();
  });

  it("says so when nobody has staked", () => {
    render(<StakeChart title="t" points={[]} now={null} />);
    expect(screen.getByText("Nobody has staked on this dataset yet.")).toBeTruthy();
  });
});
