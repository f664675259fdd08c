// @vitest-environment happy-dom
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { UsageChart } from "./UsageChart";

afterEach(cleanup);

describe("UsageChart", () => {
  it("draws a pair of bars per day, scaled to the busiest day, with the numbers in its label", () => {
    const { container } = render(
      <UsageChart
        title="m: daily users"
        daily={[
          { day: 0, active: 4, returning: 0 },
          { day: 1, active: 2, returning: 2 },
        ]}
      />,
    );
    const chart = screen.getByRole("img");
    expect(chart.getAttribute("aria-label")).toBe(
      "m: daily users. day 1: 4 active, 0 returning; day 2: 2 active, 2 returning",
    );
    const heights = [...container.querySelectorAll("rect")].map((r) => Number(r.getAttribute("height")));
    expect(heights).toEqual([80, 0, 40, 40]);
  });

  it("says so when the epoch has no calls", () => {
    render(<UsageChart title="m" daily={[]} />);
    expect(screen.getByText("No calls in this epoch.")).toBeTruthy();
  });
});
