// The bench page's bundle: run.mjs calls window.keyturnBench.diy(cfg) / .floor(cfg) with
// page.evaluate and reads the result (time, keys, requests, errors).
import { diyLoad } from './diy.js';
import { floorLoad } from './floor.js';

window.keyturnBench = { diy: diyLoad, floor: floorLoad };
document.documentElement.dataset.benchReady = 'true';
