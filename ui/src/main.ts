import { mount } from 'svelte';
import App from './App.svelte';
import { handOver, whenPainted } from './lib/firstPaint';
import { mendNavigatorLanguage } from './lib/locale';
import './app.css';
import './first-paint.css';

// before any view loads a library that formats with it (uPlot)
mendNavigatorLanguage();

// The core painted the inbox's first frame into the page: the app starts once it is on screen,
// and it goes once the app's own is ready.
handOver();
whenPainted(() => mount(App, { target: document.getElementById('app')! }));
