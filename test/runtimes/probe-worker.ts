/** The probe (probe.ts) as a Worker: answers `/` with its JSON. */
import { probe } from './probe.js';

export default {
  fetch(): Response {
    return Response.json(probe());
  },
};
