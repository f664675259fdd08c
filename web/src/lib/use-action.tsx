import { useState } from "react";
import { describeError } from "./errors";

type Status = { text: string; error: boolean };

/**
 * One submit/confirm/error cycle for every form that sends transactions: `run` disables the
 * buttons while it works, then says what happened in one sentence (the success line, or the
 * error decoded by describeError), and `<ActionStatus>` shows it as a status or an alert.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<Status | null>(null);
  const run = async (action: () => Promise<string>) => {
    setBusy(true);
    setStatus(null);
    try {
      setStatus({ text: await action(), error: false });
    } catch (e) {
      setStatus({ text: describeError(e), error: true });
    } finally {
      setBusy(false);
    }
  };
  return { busy, status, run };
}

export function ActionStatus(props: { status: Status | null }) {
  const { status } = props;
  if (!status) return null;
  return (
    <p role={status.error ? "alert" : "status"} className={status.error ? "error" : "ok"}>
      {status.text}
    </p>
  );
}
