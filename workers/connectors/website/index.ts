export {
  createWebsiteConnector,
  type WebsiteConfig,
  type WebsiteLimits,
  websiteConfigSchema,
} from './website-connector.ts';
