import { mount } from 'svelte';
import App from './App.svelte';
import { mendNavigatorLanguage } from './lib/locale';
import './app.css';

// before any view loads a library that formats with it (uPlot)
mendNavigatorLanguage();

export default mount(App, { target: document.getElementById('app')! });
