// GraphiQL on this hub's pinned build (served from /console/vendor, never from a CDN).
// A console session open in this tab is offered as the Authorization header.
(function () {
  'use strict';
  var token = null;
  try {
    var stored = JSON.parse(window.sessionStorage.getItem('passerelle.session') || 'null');
    token = stored && stored.token;
  } catch (e) {
    token = null;
  }
  var url = new URL('/graphql', window.location.origin).toString();
  var props = {
    fetcher: window.GraphiQL.createFetcher({ url: url }),
    defaultEditorToolsVisibility: true,
    defaultQuery:
      '# Passerelle : l’API GraphQL du hub. Ctrl+Entrée exécute la requête ; la documentation\n' +
      '# du schéma est dans le panneau de gauche. Ajoutez « Authorization: Bearer <jeton> »\n' +
      '# dans Headers pour lire en tant que partenaire.\n' +
      '# Passerelle’s GraphQL API. Ctrl+Enter runs the query; the schema’s documentation is\n' +
      '# in the left panel. Add "Authorization: Bearer <token>" under Headers to read as a partner.\n' +
      '{\n  events(first: 5, orderBy: STARTS_AT_DESC) {\n    nodes { title startsAt organiser { name } }\n  }\n}\n',
  };
  if (token) {
    props.defaultHeaders = JSON.stringify({ Authorization: 'Bearer ' + token }, null, 2);
  }
  window.ReactDOM.createRoot(document.getElementById('graphiql')).render(
    window.React.createElement(window.GraphiQL, props)
  );
})();
