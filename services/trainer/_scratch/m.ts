import { Registry, Histogram } from 'prom-client';
const r = new Registry(); r.setDefaultLabels({service:'trainer'});
const h = new Histogram({name:'x_seconds', help:'h', labelNames:['phase'], registers:[r]}); h.observe({phase:'a'}, 1);
console.log((await r.metrics()).split('\n').filter(l=>l.includes('count')).join('\n'));
