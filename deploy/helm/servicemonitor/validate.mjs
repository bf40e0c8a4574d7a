// Reads a JSON array of ServiceMonitor objects on standard input and
// validates each against the prometheus-operator CRD's schema (the
// validators @kubernetes-models/prometheus-operator generates from it):
// types, patterns (durations...), enums and required fields. Those
// validators do not close objects, so an unknown field passes here; the Go
// test reads the fields the chart sets. Exits 1 naming each invalid object.
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";

let input = "";
for await (const chunk of process.stdin) input += chunk;
let failed = false;
for (const obj of JSON.parse(input)) {
  try {
    new ServiceMonitor(obj).validate();
    console.log(`ServiceMonitor ${obj.metadata?.name}: valid`);
  } catch (err) {
    failed = true;
    console.log(`ServiceMonitor ${obj.metadata?.name}: ${err.message}`);
  }
}
process.exit(failed ? 1 : 0);
